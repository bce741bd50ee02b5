package io.callosum.lower.tcp.internal;

import io.callosum.ConnectionLostException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * {@code tcp://host:port} addresses: IPv4 and IPv6 literals ({@code tcp://[::1]:0}) and host names.
 */
final class Addresses {
  static final String TUNNEL = "tunnel";

  private Addresses() {}

  /** {@code tunnel://CLUSTER/NAME}: the peer registered as NAME at the gateway of CLUSTER. */
  record Tunnel(String cluster, String name) {
    String target() {
      return cluster + "/" + name;
    }

    String uri() {
      return TUNNEL + "://" + target();
    }
  }

  /**
   * Checks the form of a tunnel address; throws {@link IllegalArgumentException} with the expected
   * form.
   */
  static Tunnel tunnel(URI address) {
    String cluster = address.getRawAuthority();
    String path = address.getRawPath();
    String name = path != null && path.startsWith("/") ? path.substring(1) : null;
    if (!TUNNEL.equals(address.getScheme())
        || !Wire.validName(cluster)
        || !Wire.validName(name)
        || address.getRawQuery() != null
        || address.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "expected tunnel://CLUSTER/NAME (each 1..64 of A-Z a-z 0-9 . _ -), got " + address);
    }
    return new Tunnel(cluster, name);
  }

  /** The host part as written (IPv6 literals with their brackets) and the port. */
  record HostPort(String host, int port) {
    /** The host as {@link InetAddress#getByName} takes it. */
    String bareHost() {
      return host.startsWith("[") && host.endsWith("]")
          ? host.substring(1, host.length() - 1)
          : host;
    }

    String uri(int actualPort) {
      return "tcp://" + host + ":" + actualPort;
    }
  }

  /**
   * Checks the form of {@code address}; throws {@link IllegalArgumentException} with the expected
   * form.
   */
  static HostPort parse(URI address) {
    if (!"tcp".equals(address.getScheme())) {
      throw new IllegalArgumentException("not a TCP address (tcp://host:port): " + address);
    }
    String host = address.getHost();
    int port = address.getPort();
    if (host == null
        || host.isEmpty()
        || port < 0
        || port > 65535
        || (address.getRawPath() != null && !address.getRawPath().isEmpty())
        || address.getRawQuery() != null
        || address.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "expected tcp://host:port (IPv6 as tcp://[::1]:port), got " + address);
    }
    return new HostPort(host, port);
  }

  /** The local address to bind for {@code hp} (a host name is looked up on the caller's thread). */
  static InetSocketAddress bindable(HostPort hp) throws UnknownHostException {
    return new InetSocketAddress(InetAddress.getByName(hp.bareHost()), hp.port());
  }

  /** Resolves the host (on the caller's thread: name lookups may block). */
  static InetSocketAddress resolve(HostPort hp, URI address) {
    try {
      return new InetSocketAddress(InetAddress.getByName(hp.bareHost()), hp.port());
    } catch (UnknownHostException e) {
      throw new ConnectionLostException(
          "cannot resolve the host of " + address + ": " + e.getMessage(), e);
    }
  }
}
