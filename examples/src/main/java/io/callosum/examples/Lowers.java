package io.callosum.examples;

import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.ServerAuthenticator;
import io.callosum.lower.Transport;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.lower.zmq.ZmqOptions;
import io.callosum.lower.zmq.ZmqTransport;
import java.net.URI;
import java.util.TreeSet;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The transport a command's peer uses for its address, from the command's CURVE and {@code
 * --gateway} options: null when neither asks for one (the scheme's default lower), a CURVE server
 * or client of the lower that serves the address, or the TCP lower carrying {@code tunnel://}
 * addresses through a gateway. A combination that cannot work is a usage error naming the option.
 * Transports hold no resource until used, so the ones not chosen need no closing.
 */
final class Lowers {
  static final String TUNNEL = "tunnel";

  private Lowers() {}

  /** For a peer bound at {@code address}; {@code auth} and {@code gateway} may be null. */
  static Transport forBind(
      CommandSpec spec, String address, ServerAuthenticator auth, URI gateway) {
    return choose(
        spec,
        address,
        "--curve-server-secret",
        auth == null ? null : ZmqOptions.defaults().withCurveServer(auth),
        auth == null ? TcpOptions.builder() : TcpOptions.builder().curveServer(auth),
        gateway);
  }

  /** For a peer connecting to {@code address}; {@code auth} and {@code gateway} may be null. */
  static Transport forConnect(
      CommandSpec spec, String address, ClientAuthenticator auth, URI gateway) {
    return choose(
        spec,
        address,
        "--curve-client-secret",
        auth == null ? null : ZmqOptions.defaults().withCurveClient(auth),
        auth == null ? TcpOptions.builder() : TcpOptions.builder().curveClient(auth),
        gateway);
  }

  /**
   * {@code zmqCurve} is null without CURVE; {@code tcp} holds the TCP lower's CURVE setting, if
   * any.
   */
  private static Transport choose(
      CommandSpec spec,
      String address,
      String curveOption,
      ZmqOptions zmqCurve,
      TcpOptions.Builder tcp,
      URI gateway) {
    boolean tunnel = TUNNEL.equals(URI.create(address).getScheme());
    if (tunnel && gateway == null) {
      throw new ParameterException(
          spec.commandLine(),
          address
              + " goes through a gateway: give the local gateway's address with --gateway"
              + " tcp://HOST:PORT");
    }
    if (!tunnel && gateway != null) {
      throw new ParameterException(
          spec.commandLine(), "--gateway is for tunnel://CLUSTER/NAME addresses, not " + address);
    }
    if (zmqCurve == null && gateway == null) {
      return null;
    }
    Transport tcpLower = new TcpTransport(tcp.gateway(gateway).build());
    if (zmqCurve == null) {
      return tcpLower;
    }
    return serving(spec, address, curveOption, new ZmqTransport(zmqCurve), tcpLower);
  }

  /**
   * The one of {@code lowers} that serves the scheme of {@code address}; a usage error naming
   * {@code option} when none does.
   */
  private static Transport serving(
      CommandSpec spec, String address, String option, Transport... lowers) {
    String scheme = URI.create(address).getScheme();
    TreeSet<String> schemes = new TreeSet<>();
    for (Transport t : lowers) {
      if (t.schemes().contains(scheme)) {
        return t;
      }
      t.schemes().forEach(s -> schemes.add(s + "://"));
    }
    throw new ParameterException(
        spec.commandLine(),
        option
            + " needs an address of a lower with CURVE ("
            + String.join(", ", schemes)
            + "), not "
            + address);
  }
}
