package io.callosum;

import io.callosum.internal.SystemTimer;
import io.callosum.internal.Transports;
import io.callosum.internal.balance.Balancer;
import io.callosum.internal.balance.BalancerConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * A client of several bound peers that serve the same methods (replicas of a service): one {@link
 * ConnectedPeer} per endpoint, each call sent to one of them. Made by {@code
 * Peer.builder().balance(Endpoints.of(...))}; every option of that builder (codec, limits,
 * executors, timer, timeouts, interceptors, listeners, lower) applies to every connection.
 *
 * <pre>{@code
 * try (BalancedPeer orders =
 *     Peer.builder()
 *         .name("orders-client")
 *         .balance(Endpoints.of("dns+tcp://orders.default.svc.cluster.local:7000"))
 *         .policy(Balancing.LEAST_OUTSTANDING)
 *         .build()
 *         .start()) {
 *   Object receipt = orders.call("place").orderKey("customer-17").invoke(order).join();
 * }
 * }</pre>
 *
 * <ul>
 *   <li><b>Balancing.</b> A call without an order key goes to a ready endpoint chosen by the {@link
 *       Builder#policy}. A call with an order key goes to the ready endpoint its key maps to
 *       (rendezvous hashing), the same one for every call of the key while the set of ready
 *       endpoints stays the same, so the callee's {@link Ordering} holds for the key. When that
 *       endpoint leaves the set, its keys move to others (calls in flight on it fail, see below);
 *       when it comes back, they move back: a call made just after a move may then run before calls
 *       of its key still in flight on the endpoint it moved from.
 *   <li><b>Ejection.</b> An endpoint whose connect fails or whose connection is lost is out: its
 *       calls in flight fail with {@link ConnectionLostException} as they would on a {@code
 *       ConnectedPeer} (they are not sent again: a call may not be safe to repeat), new calls go to
 *       the others, and it is connected again after a backoff (doubling from {@link Builder#backoff
 *       min} to max, with jitter) until it answers. An endpoint that announced a {@link
 *       Peer#shutdown()} ({@link RemotePeer#isShuttingDown()}) gets no new calls. With no ready
 *       endpoint a call fails at once with {@link ConnectionLostException} naming every endpoint
 *       and why it is out.
 *   <li><b>Resolution.</b> Names ({@code dns+tcp://NAME:PORT}) are resolved at {@link #start()} and
 *       every {@link Endpoints#refreshEvery refresh interval}: new addresses are connected,
 *       addresses gone are drained (no new calls; calls in flight finish, then the connection is
 *       closed). A name that fails to resolve keeps its last endpoints.
 *   <li><b>Callbacks.</b> Handlers registered here ({@link #handle}) serve calls from every
 *       endpoint, on every connection, present and future.
 * </ul>
 *
 * <p>Thread-safe. Connecting and resolving run on up to {@value #CONNECTOR_THREADS} threads of this
 * peer (started as needed, ended when idle); refreshes and retries are scheduled on the peer's
 * {@link Timer}. Futures complete on the connections' callback executor, as with {@link
 * ConnectedPeer}.
 */
public final class BalancedPeer implements Invoker, AutoCloseable {
  /** Default {@link Builder#maxEndpoints}. */
  public static final int DEFAULT_MAX_ENDPOINTS = 64;

  /** Default first delay before an ejected endpoint is tried again: 100 ms. */
  public static final Duration DEFAULT_BACKOFF_MIN = Duration.ofMillis(100);

  /** Default longest delay before an ejected endpoint is tried again: 10 s. */
  public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(10);

  /** The most threads that connect and resolve at once. */
  public static final int CONNECTOR_THREADS = 4;

  /** The endpoints and connections; package-private so that tests in this package can read it. */
  final Balancer balancer;

  private BalancedPeer(Balancer balancer) {
    this.balancer = balancer;
  }

  /**
   * Resolves the endpoints and connects to each, and returns once every first attempt has connected
   * or failed (at most about the connect timeout): endpoints that failed are retried with backoff,
   * and calls fail fast meanwhile while none is ready. Throws {@link IllegalStateException} if
   * already started or closed.
   */
  public BalancedPeer start() {
    balancer.start();
    return this;
  }

  /** Registers (or replaces) the handler of {@code method} on every connection. */
  public BalancedPeer handle(String method, Handler handler) {
    balancer.handlers().handle(Objects.requireNonNull(method, "method"), handler);
    return this;
  }

  /** Registers a handler whose body is decoded as {@code type}. */
  public <T> BalancedPeer handle(String method, Class<T> type, Handler.Typed<T> handler) {
    return handle(method, Handler.typed(type, handler));
  }

  /** Registers a streaming method on every connection (see {@link Peer#handleStream}). */
  public BalancedPeer handleStream(String method, StreamHandler handler) {
    balancer.handlers().handleStream(Objects.requireNonNull(method, "method"), handler);
    return this;
  }

  /** Removes the handler of {@code method} from every connection. */
  public BalancedPeer unhandle(String method) {
    balancer.handlers().unhandle(Objects.requireNonNull(method, "method"));
    return this;
  }

  /**
   * Starts building a call; {@code invoke} sends it to one endpoint (see above). A call made before
   * {@link #start()}, after {@link #close()}, or while no endpoint is ready fails its future with
   * {@link ConnectionLostException}; one made during {@link #shutdown()} with {@link
   * ShuttingDownException}.
   */
  @Override
  public Invocation call(String method) {
    return balancer.call(Objects.requireNonNull(method, "method"));
  }

  /**
   * Starts a graceful shutdown and returns at once: no more refreshes or reconnects, every
   * connection shuts down as {@link Peer#shutdown()} does (new calls refused, calls in flight
   * finish, servers told), then closes. Idempotent.
   */
  public void shutdown() {
    balancer.shutdown();
  }

  /**
   * Waits until every connection has terminated and this peer's threads are released; true if so
   * within {@code timeout}.
   */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return balancer.awaitTermination(Objects.requireNonNull(timeout, "timeout"));
  }

  /** Stops at once, as {@link #close()} does. */
  public void shutdownNow() {
    balancer.close();
  }

  /** Whether {@link #shutdown()}, {@link #shutdownNow()} or {@link #close()} was called. */
  public boolean isShutdown() {
    return balancer.isShutdown();
  }

  /** Whether everything this peer held is released. */
  public boolean isTerminated() {
    return balancer.isTerminated();
  }

  /**
   * Closes every connection at once (calls in flight fail with {@link ConnectionLostException}),
   * cancels refreshes and retries and releases every thread before returning. Idempotent.
   */
  @Override
  public void close() {
    balancer.close();
  }

  @Override
  public String toString() {
    return balancer.toString();
  }

  /**
   * Describes a {@link BalancedPeer}: the common {@link Peer.Options}, which every connection gets,
   * and how to balance, then {@link #build()}. Not thread-safe.
   */
  public static final class Builder extends Peer.Options<Builder> {
    private final Endpoints endpoints;
    private Balancing policy = Balancing.ROUND_ROBIN;
    private Duration backoffMin = DEFAULT_BACKOFF_MIN;
    private Duration backoffMax = DEFAULT_BACKOFF_MAX;
    private Duration connectTimeout = Peer.DEFAULT_CONNECT_TIMEOUT;
    private int maxEndpoints = DEFAULT_MAX_ENDPOINTS;

    Builder(Peer.Options<?> options, Endpoints endpoints) {
      super(options);
      this.endpoints = endpoints;
    }

    /** How calls without an order key are spread. Default {@link Balancing#ROUND_ROBIN}. */
    public Builder policy(Balancing policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * The delays before an ejected endpoint is tried again: {@code min} after its first failure,
     * doubling up to {@code max}, each drawn from the upper half of its step (so that clients that
     * lost a server together do not return together). Default 100 ms to 10 s.
     */
    public Builder backoff(Duration min, Duration max) {
      if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
        throw new IllegalArgumentException("backoff needs 0 < min <= max: " + min + ", " + max);
      }
      this.backoffMin = min;
      this.backoffMax = max;
      return this;
    }

    /** How long each connect may take. Default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * The most endpoints this peer connects to. More fixed addresses fail {@link #build()}; a name
     * that resolves to more is cut to the first {@code max} addresses (in sorted order), with a
     * warning in the log. Default {@value BalancedPeer#DEFAULT_MAX_ENDPOINTS}.
     */
    public Builder maxEndpoints(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxEndpoints must be at least 1: " + max);
      }
      this.maxEndpoints = max;
      return this;
    }

    /**
     * Builds the peer, not started yet. Throws {@link IllegalArgumentException} for more fixed
     * addresses than {@link #maxEndpoints}, or a scheme no lower serves.
     */
    public BalancedPeer build() {
      if (endpoints.addresses().size() > maxEndpoints) {
        throw new IllegalArgumentException(
            endpoints.addresses().size()
                + " endpoint addresses, more than maxEndpoints ("
                + maxEndpoints
                + "): "
                + endpoints);
      }
      if (!hasTransport()) {
        for (String a : endpoints.addresses()) {
          Transports.find(lowerAddress(URI.create(a)));
        }
      }
      Peer.Builder connections = new Peer.Builder(this);
      Timer timer = timerOrNull();
      String name = nameOrNull() != null ? nameOrNull() : "balanced";
      SystemTimer ownTimer = timer == null ? new SystemTimer(name + "-timer") : null;
      Timer shared = timer != null ? timer : ownTimer;
      Duration timeout = connectTimeout;
      return new BalancedPeer(
          new Balancer(
              new BalancerConfig(
                  name,
                  endpoints.addresses(),
                  endpoints.refresh(),
                  endpoints.hostResolver()::resolve,
                  policy == Balancing.LEAST_OUTSTANDING,
                  backoffMin,
                  backoffMax,
                  connectTimeout,
                  maxEndpoints,
                  shared,
                  ownTimer,
                  codecOrDefault(),
                  (address, listener) ->
                      connections
                          .connect(address)
                          .connectTimeout(timeout)
                          .timer(shared)
                          .listener(listener)
                          .build())));
    }

    /** The address whose scheme picks the lower: {@code dns+tcp://n:1} is served as {@code tcp}. */
    private static URI lowerAddress(URI address) {
      return Endpoints.isResolving(address)
          ? URI.create(address.toString().substring(Endpoints.RESOLVING_PREFIX.length()))
          : address;
    }
  }
}
