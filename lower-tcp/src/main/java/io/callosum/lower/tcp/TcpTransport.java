package io.callosum.lower.tcp;

import io.callosum.lower.Endpoint;
import io.callosum.lower.LinkListener;
import io.callosum.lower.MemoryBudget;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.links.LinkFanoutTransport;
import io.callosum.lower.tcp.internal.ConnectionSecurity;
import io.callosum.lower.tcp.internal.Hub;
import io.callosum.lower.tcp.internal.NullSecurity;
import io.callosum.lower.tcp.internal.curve.CurveSecurity;
import java.io.IOException;
import java.net.URI;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The TCP lower: {@code tcp://host:port}, and {@code tunnel://CLUSTER/NAME} through a gateway
 * ({@link TcpOptions.Builder#gateway}); (IPv4 and IPv6 literals such as {@code tcp://[::1]:0}, and
 * host names; port 0 binds an ephemeral port). Frames are length-prefixed and multiplexed in
 * channels (see {@code lower-tcp/WIRE.md}).
 *
 * <p>One transport object has one I/O thread ({@code callosum-tcp-io-N}), started with its first
 * endpoint and ended with its last, that alone reads and writes every socket of the object; bound
 * endpoints with security add small pools for their handshakes, within the limits of {@link
 * TcpOptions} (<i>Security handshakes</i> there), ended with the I/O thread. Every peer that
 * connects through one object to the same address rides one TCP connection, each on its own channel
 * (its own link, capabilities and remote). A bound peer serves any number of channels from any
 * number of connections. Peers that find this lower by their address scheme share one default
 * instance, so a process bundles its connections without further setup. Broadcast and pipelines run
 * over its channels with credit-based flow control ({@link LinkFanoutTransport}). Thread-safe.
 */
public final class TcpTransport extends LinkFanoutTransport {
  private final TcpOptions options;
  private final Hub hub;

  /** A transport with {@link TcpOptions#defaults()}. */
  public TcpTransport() {
    this(TcpOptions.defaults());
  }

  /**
   * A transport with {@code options} (plain, or CurveZMQ with {@link TcpOptions#curveServer()} /
   * {@link TcpOptions#curveClient()}).
   */
  public TcpTransport(TcpOptions options) {
    this.options = Objects.requireNonNull(options, "options");
    this.hub = new Hub(options, clientSecurity(), serverSecurity());
  }

  /**
   * The security layer of each connection this transport opens: NULL, or CURVE with the configured
   * keys.
   */
  private Supplier<ConnectionSecurity> clientSecurity() {
    if (options.curveClient() == null) {
      return NullSecurity::new;
    }
    return () -> CurveSecurity.client(options.curveClient());
  }

  /**
   * The security layer of each connection a bound endpoint accepts: NULL, or CURVE with the
   * configured identity.
   */
  private Supplier<ConnectionSecurity> serverSecurity() {
    if (options.curveServer() == null) {
      return NullSecurity::new;
    }
    return () -> CurveSecurity.server(options.curveServer());
  }

  public TcpOptions options() {
    return options;
  }

  @Override
  public Set<String> schemes() {
    return hub.schemes();
  }

  @Override
  public Endpoint bind(URI address, TransportConfig config, LinkListener listener)
      throws IOException {
    return hub.bind(address, config, listener);
  }

  @Override
  public Endpoint connect(URI address, TransportConfig config, LinkListener listener)
      throws IOException {
    return hub.connect(address, config, listener);
  }

  /**
   * What the remotes of this transport make it hold, against {@link TcpOptions#memoryBudget()}: its
   * counts ({@link MemoryBudget#held()}, {@link MemoryBudget#peak()}) are for monitoring and tests.
   * Any thread.
   */
  public MemoryBudget memoryBudget() {
    return hub.memory();
  }

  /** How many endpoints use this transport now (0: its I/O thread has ended). */
  public int openEndpoints() {
    return hub.openEndpoints();
  }

  /** How many client connections this transport holds now (one per remote address in use). */
  public int openConnections() {
    return hub.bundles();
  }

  @Override
  public String toString() {
    return "TcpTransport(" + options + ")";
  }
}
