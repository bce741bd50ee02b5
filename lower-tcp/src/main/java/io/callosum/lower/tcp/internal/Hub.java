package io.callosum.lower.tcp.internal;

import io.callosum.lower.Backoff;
import io.callosum.lower.Endpoint;
import io.callosum.lower.LinkListener;
import io.callosum.lower.MemoryBudget;
import io.callosum.lower.Transport;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.tcp.TcpOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * The state of one transport object: its I/O loop (started with the first endpoint, stopped with
 * the last) and its client connections, one per remote address, shared by every endpoint that
 * connects there. A {@link Transport} itself, with the security layers given to it (so tests can
 * plug in a mechanism); {@code TcpTransport} chooses them from its options. Thread-safe: the loop
 * and the bundle table are guarded by this object's lock; everything else happens on the loop
 * thread.
 */
public final class Hub implements Transport {
  private final TcpOptions options;
  private final Supplier<ConnectionSecurity> clientSecurity;
  private final Supplier<ConnectionSecurity> serverSecurity;
  private final DoubleSupplier random;
  private final Map<InetSocketAddress, ClientBundle> bundles = new HashMap<>();
  private final MemoryBudget memory;
  private IoLoop loop;

  /**
   * @param clientSecurity a fresh security layer for each connection this hub opens
   * @param serverSecurity a fresh security layer for each connection a bound endpoint accepts
   * @param random jitter source for reconnect delays, values in [0, 1)
   */
  public Hub(
      TcpOptions options,
      Supplier<ConnectionSecurity> clientSecurity,
      Supplier<ConnectionSecurity> serverSecurity,
      DoubleSupplier random) {
    this.options = options;
    this.clientSecurity = clientSecurity;
    this.serverSecurity = serverSecurity;
    this.random = random;
    this.memory = new MemoryBudget("TcpOptions.memoryBudget", options.memoryBudget());
  }

  public Hub(
      TcpOptions options,
      Supplier<ConnectionSecurity> clientSecurity,
      Supplier<ConnectionSecurity> serverSecurity) {
    this(options, clientSecurity, serverSecurity, () -> ThreadLocalRandom.current().nextDouble());
  }

  @Override
  public Set<String> schemes() {
    return Set.of("tcp", Addresses.TUNNEL);
  }

  @Override
  public Endpoint bind(URI address, TransportConfig config, LinkListener listener)
      throws IOException {
    if (Addresses.TUNNEL.equals(address.getScheme())) {
      Addresses.Tunnel t = Addresses.tunnel(address);
      URI gw = gateway(address);
      TunnelBinding binding;
      synchronized (this) {
        binding = new TunnelBinding(bundle(gw), t, config, listener);
      }
      return binding.start();
    }
    Addresses.HostPort hp = Addresses.parse(address);
    return ServerEndpoint.bind(this, hp, config, listener, serverSecurity);
  }

  @Override
  public Endpoint connect(URI address, TransportConfig config, LinkListener listener)
      throws IOException {
    URI at = address;
    String target = null;
    if (Addresses.TUNNEL.equals(address.getScheme())) {
      target = Addresses.tunnel(address).target();
      at = gateway(address);
    }
    ClientEndpoint endpoint;
    synchronized (this) {
      endpoint = new ClientEndpoint(bundle(at), address.toString(), target, config, listener);
    }
    return endpoint.start();
  }

  /** The gateway that carries {@code tunnel} addresses, from the options. */
  private URI gateway(URI address) {
    if (options.gateway() == null) {
      throw new IllegalArgumentException(
          address + " goes through a gateway, but none is set (TcpOptions.Builder.gateway)");
    }
    return options.gateway();
  }

  /** The bundle to {@code address}, made if needed, with one more member. Caller holds the lock. */
  private ClientBundle bundle(URI address) {
    Addresses.HostPort hp = Addresses.parse(address);
    InetSocketAddress remote = Addresses.resolve(hp, address);
    IoLoop l = acquire();
    ClientBundle bundle = bundles.get(remote);
    if (bundle == null) {
      bundle = new ClientBundle(this, l, remote, address.toString(), clientSecurity, backoff());
      bundles.put(remote, bundle);
    }
    bundle.members++;
    return bundle;
  }

  /** Reconnect delays from the options, with this hub's jitter source. */
  Backoff backoff() {
    return new Backoff(options.reconnectMin(), options.reconnectMax(), random);
  }

  TcpOptions options() {
    return options;
  }

  /** What the remotes of this transport make it hold ({@link TcpOptions#memoryBudget()}). */
  public MemoryBudget memory() {
    return memory;
  }

  /** The running loop, started if needed; counts one more user. Caller holds the lock. */
  synchronized IoLoop acquire() {
    if (loop == null) {
      try {
        loop = new IoLoop(tickMillis(), options, memory);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open a selector", e);
      }
    }
    loop.users++;
    return loop;
  }

  /** One user less; the last one stops the loop and waits for its thread (unless on it). */
  void release(IoLoop l) {
    boolean stop;
    synchronized (this) {
      stop = --l.users == 0;
      if (stop && loop == l) {
        loop = null;
      }
    }
    if (stop) {
      l.stop();
    }
  }

  /**
   * One endpoint of {@code b} left; true if it was the last, and {@code b} is no longer found by
   * new connects.
   */
  synchronized boolean leave(ClientBundle b) {
    if (--b.members == 0) {
      bundles.remove(b.address, b);
      return true;
    }
    return false;
  }

  /** How many endpoints are open on this hub now (0: no I/O thread). */
  public synchronized int openEndpoints() {
    return loop == null ? 0 : loop.users;
  }

  /**
   * The running loop's handshake work, or null (no loop, or no secured connection accepted yet);
   * for tests.
   */
  synchronized HandshakeWork handshakeWork() {
    return loop == null ? null : loop.handshakeWorkIfMade();
  }

  /** How many client connections (bundles) exist now. */
  public synchronized int bundles() {
    return bundles.size();
  }

  /**
   * Ticks often enough for the shortest deadline, but not more than every 5 ms or less than every
   * 250 ms.
   */
  private long tickMillis() {
    long shortest =
        Math.min(
            options.heartbeatInterval().toMillis(),
            Math.min(options.handshakeTimeout().toMillis(), options.reconnectMin().toMillis()));
    return Math.max(5, Math.min(250, shortest / 4));
  }
}
