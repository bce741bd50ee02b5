package io.callosum;

import io.callosum.internal.PeerConfig;
import io.callosum.internal.PeerEngine;
import io.callosum.internal.Transports;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Transport;
import io.callosum.upper.Codec;
import io.callosum.upper.MsgpackCodec;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.ToIntFunction;

/**
 * One local endpoint of the Callosum protocol, in one of two roles. A {@link BoundPeer} binds an
 * address and serves any number of remotes; a {@link ConnectedPeer} connects to one remote and is
 * an {@link Invoker} of it. Both serve calls with the handlers registered here ({@link #handle}),
 * and both call their remotes through {@link RemotePeer}s ({@link #remotes()}, a handler's {@link
 * CallContext#caller()}), so a server calls its clients back as readily as they call it.
 *
 * <pre>{@code
 * try (BoundPeer server = Peer.builder().bind("inproc://calc").build()) {
 *   server.handle("add", (ctx, body) -> {
 *     Map<?, ?> m = (Map<?, ?>) body.value();
 *     return ((Number) m.get("a")).longValue() + ((Number) m.get("b")).longValue();
 *   });
 *   server.start();
 *   try (ConnectedPeer client = Peer.builder().connect("inproc://calc").build().start()) {
 *     Object sum = client.invoke("add", Map.of("a", 1, "b", 2)).join();   // 3
 *   }
 * }
 * }</pre>
 *
 * <p>The role is a type, not a flag: what a bound peer cannot do (call "its" remote, which it does
 * not have) is not among its methods. Code that only registers handlers or closes takes a {@code
 * Peer}. The lower is chosen by the address scheme ({@code inproc://} here; {@code zmq+tcp://} and
 * {@code tcp://} with their modules on the class path), the upper by {@link Options#codec}. All
 * methods are thread-safe. Handlers run on the handler executor, futures complete on the callback
 * executor; neither runs on a lower's I/O thread unless {@link Options#directExecutor()} was
 * chosen.
 *
 * <p>To call a service that runs as several bound peers (replicas), make a {@link BalancedPeer}
 * with {@code Peer.builder().balance(Endpoints.of(...))}: one connected peer per endpoint.
 */
public abstract sealed class Peer implements AutoCloseable permits BoundPeer, ConnectedPeer {
  /** Default items of a stream window (see {@link Options#streamWindow}). */
  public static final int DEFAULT_STREAM_WINDOW_ITEMS = 128;

  /** Default bytes of a stream window: 4 MiB. */
  public static final long DEFAULT_STREAM_WINDOW_BYTES = 4L << 20;

  /** Default {@link Options#chunkSize}: 256 KiB. */
  public static final int DEFAULT_CHUNK_SIZE = 256 << 10;

  /** Default {@link ConnectedPeer.Builder#connectTimeout}: 10 s. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /**
   * The protocol behind this peer; package-private so that tests in this package can inspect it.
   */
  final PeerEngine engine;

  Peer(PeerEngine engine) {
    this.engine = engine;
  }

  /**
   * Starts describing a peer: set options, then {@link Builder#bind} or {@link Builder#connect}.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Binds or connects (see the roles' {@code start}). May be called once. */
  public Peer start() {
    engine.start();
    return this;
  }

  /** Registers (or replaces) the handler of {@code method}. May be called at any time. */
  public Peer handle(String method, Handler handler) {
    engine.handle(
        Objects.requireNonNull(method, "method"), Objects.requireNonNull(handler, "handler"));
    return this;
  }

  /** Registers a handler whose body is decoded as {@code type}. */
  public <T> Peer handle(String method, Class<T> type, Handler.Typed<T> handler) {
    return handle(method, Handler.typed(type, handler));
  }

  /**
   * Registers a streaming method: {@code handler} reads the caller's upstream and writes its
   * downstream (see {@link StreamHandler}, {@link Invocation#bidiStream}). Replaces any handler of
   * {@code method}.
   */
  public Peer handleStream(String method, StreamHandler handler) {
    engine.handleStream(
        Objects.requireNonNull(method, "method"), Objects.requireNonNull(handler, "handler"));
    return this;
  }

  /** Removes the handler of {@code method}; later calls of it get a "no such method" error. */
  public Peer unhandle(String method) {
    engine.unhandle(method);
    return this;
  }

  /** The connected remotes: one per client for a bound peer, at most one for a connected peer. */
  public List<RemotePeer> remotes() {
    return engine.remotes();
  }

  /** The bound or connected address; after binding port 0, with the real port. */
  public String address() {
    return engine.address();
  }

  /** What this peer announces to remotes. */
  public Capabilities capabilities() {
    return engine.localCapabilities();
  }

  /**
   * Starts a graceful shutdown and returns at once. From now on:
   *
   * <ul>
   *   <li>a new call from a remote is answered with an error reply, {@link ShuttingDownException}
   *       for Java callers ({@code callosum.ShuttingDown} for Python ones), before anything of it
   *       runs; so is a remote that connects meanwhile;
   *   <li>remotes that announced it (Java peers) are told, and fail their new calls to this peer at
   *       once with {@link ShuttingDownException} ({@link PeerListener#shuttingDown});
   *   <li>this peer's own new calls fail at once with {@link ShuttingDownException};
   *   <li>calls in flight both ways go on: handlers finish and reply, replies to this peer's calls
   *       arrive, streams and big messages in chunks complete. So do callbacks: a call made while
   *       serving a call, through {@link CallContext#caller()} or from the handler's thread, and a
   *       call that arrives as part of a call this peer serves (a chain of callbacks; Python
   *       callers send no chain).
   * </ul>
   *
   * <p>Once nothing is left in flight, the peer closes as {@link #close()} does, on a thread of its
   * own, and remotes see the connection end. {@link #awaitTermination} waits for that; {@link
   * #shutdownNow()} stops waiting for what is in flight. Idempotent; a peer never started
   * terminates at once.
   */
  public void shutdown() {
    engine.shutdown();
  }

  /**
   * Waits until the peer has terminated (after {@link #shutdown()}, {@link #shutdownNow()} or
   * {@link #close()}): everything in flight ended, the lower closed, and every thread, socket and
   * table entry of the peer released. Returns true if it did within {@code timeout}, false if the
   * timeout passed first. A handler that waits for its own peer waits for itself: its call is in
   * flight.
   */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return engine.awaitTermination(Objects.requireNonNull(timeout, "timeout"));
  }

  /**
   * Stops at once, as {@link #close()} does, whether or not a {@link #shutdown()} is draining:
   * running handlers are cancelled (they are interrupted and see {@link
   * CallContext#isCancelled()}), pending calls fail with {@link ConnectionLostException}, the
   * remotes are disconnected and everything is released before this returns (unless called from one
   * of the peer's own threads, which it cannot wait for). Idempotent.
   */
  public void shutdownNow() {
    engine.close();
  }

  /** Whether {@link #shutdown()}, {@link #shutdownNow()} or {@link #close()} was called. */
  public boolean isShutdown() {
    return engine.isShutdown();
  }

  /** Whether the peer has terminated: closed, with everything it held released. */
  public boolean isTerminated() {
    return engine.isTerminated();
  }

  /**
   * Closes the peer at once: {@link #shutdownNow()}, which returns once everything is released.
   * Calls in flight fail with {@link ConnectionLostException}, running handlers are cancelled,
   * remotes are disconnected, and every thread and socket this peer owns is released before this
   * returns. Idempotent. For a graceful stop, call {@link #shutdown()} and {@link
   * #awaitTermination} first.
   */
  @Override
  public void close() {
    engine.close();
  }

  @Override
  public String toString() {
    return engine.toString();
  }

  /**
   * The options every peer takes, whatever its role: the common base of {@link Peer.Builder},
   * {@link BoundPeer.Builder} and {@link ConnectedPeer.Builder}, so each of them offers these and
   * returns its own type for chaining. Not thread-safe.
   *
   * @param <B> the concrete builder
   */
  public abstract static class Options<B extends Options<B>> {
    private String name;
    private Transport transport;
    private Codec codec;
    private Ordering ordering = Ordering.NONE;
    private Limits limits = Limits.defaults();
    private Executor handlerExecutor;
    private Executor callbackExecutor;
    private Timer timer;
    private Duration defaultTimeout;
    private Duration executionTimeout;
    private boolean compressReplies;
    private boolean stackTracesInReplies;
    private int streamWindowItems = DEFAULT_STREAM_WINDOW_ITEMS;
    private long streamWindowBytes = DEFAULT_STREAM_WINDOW_BYTES;
    private int chunkSize = DEFAULT_CHUNK_SIZE;
    private ToIntFunction<Optional<String>> shareWeights;
    private final List<CallInterceptor> interceptors = new ArrayList<>();
    private final List<PeerListener> listeners = new ArrayList<>();

    Options() {}

    /** A copy of {@code from}'s options, so that a role's builder and its origin change apart. */
    Options(Options<?> from) {
      this.name = from.name;
      this.transport = from.transport;
      this.codec = from.codec;
      this.ordering = from.ordering;
      this.limits = from.limits;
      this.handlerExecutor = from.handlerExecutor;
      this.callbackExecutor = from.callbackExecutor;
      this.timer = from.timer;
      this.defaultTimeout = from.defaultTimeout;
      this.executionTimeout = from.executionTimeout;
      this.compressReplies = from.compressReplies;
      this.stackTracesInReplies = from.stackTracesInReplies;
      this.streamWindowItems = from.streamWindowItems;
      this.streamWindowBytes = from.streamWindowBytes;
      this.chunkSize = from.chunkSize;
      this.shareWeights = from.shareWeights;
      this.interceptors.addAll(from.interceptors);
      this.listeners.addAll(from.listeners);
    }

    @SuppressWarnings("unchecked")
    private B self() {
      return (B) this;
    }

    /** A name for thread names and logs. */
    public B name(String name) {
      this.name = name;
      return self();
    }

    /** The lower to use instead of the one found by the address scheme. */
    public B transport(Transport transport) {
      this.transport = transport;
      return self();
    }

    /** The upper: how bodies are encoded. Default {@link MsgpackCodec}. */
    public B codec(Codec codec) {
      this.codec = codec;
      return self();
    }

    /**
     * How calls sharing an order key are ordered here (as callee). Default {@link Ordering#NONE}.
     */
    public B ordering(Ordering ordering) {
      this.ordering = Objects.requireNonNull(ordering);
      return self();
    }

    /** Bounds on what remotes may make this peer hold. Default {@link Limits#defaults()}. */
    public B limits(Limits limits) {
      this.limits = Objects.requireNonNull(limits);
      return self();
    }

    /**
     * Where handlers run. Default: virtual threads (Java 21+) or a bounded pool. Not shut down by
     * the peer.
     */
    public B handlerExecutor(Executor executor) {
      this.handlerExecutor = executor;
      return self();
    }

    /** Where call futures complete and listeners run. Not shut down by the peer. */
    public B callbackExecutor(Executor executor) {
      this.callbackExecutor = executor;
      return self();
    }

    /**
     * Runs handlers, completions and listeners directly on the lower's I/O thread, saving thread
     * hand-offs (each costs tens of microseconds). Only for short, non-blocking handlers and
     * callbacks: one that blocks stalls every call on the connection.
     */
    public B directExecutor() {
      Executor direct = Runnable::run;
      this.handlerExecutor = direct;
      this.callbackExecutor = direct;
      return self();
    }

    /** The time source for timeouts. Default: the system clock with one timer thread per peer. */
    public B timer(Timer timer) {
      this.timer = timer;
      return self();
    }

    /**
     * The timeout of calls that set none. Default: none (a call waits until replied or
     * disconnected).
     */
    public B defaultTimeout(Duration timeout) {
      this.defaultTimeout = timeout;
      return self();
    }

    /** Handlers running longer are cancelled and answered CANCELLED. Default: none. */
    public B executionTimeout(Duration timeout) {
      this.executionTimeout = timeout;
      return self();
    }

    /**
     * Compresses every RESULT body with snappy (the {@code zip} flag). Python Callosum peers decode
     * it only when python-snappy is installed. Default: off.
     */
    public B compressReplies(boolean compress) {
      this.compressReplies = compress;
      return self();
    }

    /**
     * Whether this peer's error replies carry the stack trace of the exception its handler (or a
     * stream it sends) failed with. Default: off, so a server does not show its internals to every
     * caller; the exception's class name and message always travel (callers see them in {@link
     * RemoteException#remoteName()} and {@link RemoteException#remoteRepr()}), and the traceback
     * field then holds that one line, which Python Callosum peers read as well. Turn it on where
     * callers are the same team and the traces help them, as Python Callosum always sends them.
     */
    public B stackTracesInReplies(boolean send) {
      this.stackTracesInReplies = send;
      return self();
    }

    /**
     * How much of each incoming stream this peer buffers: the credit it grants a sender, in items
     * and in bytes (one item may overdraw the bytes). A sender waits once it has sent that much
     * that was not taken yet. Default {@value Peer#DEFAULT_STREAM_WINDOW_ITEMS} items, 4 MiB.
     */
    public B streamWindow(int items, long bytes) {
      if (items < 1 || bytes < 1) {
        throw new IllegalArgumentException(
            "a stream window needs at least 1 item and 1 byte: " + items + ", " + bytes);
      }
      this.streamWindowItems = items;
      this.streamWindowBytes = Math.min(bytes, 1L << 40);
      return self();
    }

    /**
     * Calls and results whose body is bigger than this are sent in chunks of this size to remotes
     * that announce chunking (a few chunks in flight at a time), so that small calls on the same
     * connection pass between them; {@link Limits#maxMessageSize()} still bounds the whole message.
     * Default 256 KiB.
     */
    public B chunkSize(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("chunkSize must be at least 1024 bytes: " + bytes);
      }
      this.chunkSize = bytes;
      return self();
    }

    /**
     * How much of this peer's handler slots and call queue each remote gets while others wait,
     * relative to the others: {@code weights} gives a remote's weight (at least 1) from its
     * authenticated identity ({@link RemotePeer#identity()}; empty for a remote the lower did not
     * authenticate). The remotes that share are: one per identity (all its connections together),
     * and one per connection for remotes without one. Called once per remote as it connects, on the
     * lower's I/O thread: it must be quick and must not block; a weight below 1 or an exception
     * counts as 1 (logged). Default: every remote weighs 1. A remote alone may still use every slot
     * and the whole queue; see docs/LIMITS.md.
     */
    public B shareWeights(ToIntFunction<Optional<String>> weights) {
      this.shareWeights = Objects.requireNonNull(weights);
      return self();
    }

    /** Adds an interceptor that observes every call this peer makes and serves. */
    public B interceptor(CallInterceptor interceptor) {
      interceptors.add(Objects.requireNonNull(interceptor));
      return self();
    }

    /** Adds a listener that hears remotes connect and disconnect. */
    public B listener(PeerListener listener) {
      listeners.add(Objects.requireNonNull(listener));
      return self();
    }

    /** The codec set, or the default msgpack one within the limits. */
    final Codec codecOrDefault() {
      return codec != null ? codec : new MsgpackCodec(limits.maxNesting(), limits.maxElements());
    }

    /** The name set, or null. */
    final String nameOrNull() {
      return name;
    }

    /** The timer set, or null. */
    final Timer timerOrNull() {
      return timer;
    }

    /** Whether a lower object was set (then the addresses' schemes do not pick one). */
    final boolean hasTransport() {
      return transport != null;
    }

    /**
     * The protocol of a peer with these options; throws {@link IllegalArgumentException} for an
     * unknown scheme.
     */
    final PeerEngine engine(URI address, boolean bind, Duration connectTimeout) {
      Transport t = transport != null ? transport : Transports.find(address);
      return new PeerEngine(
          new PeerConfig(
              name,
              t,
              address,
              bind,
              codecOrDefault(),
              ordering,
              limits,
              handlerExecutor,
              callbackExecutor,
              timer,
              defaultTimeout,
              executionTimeout,
              connectTimeout,
              interceptors,
              listeners,
              compressReplies,
              stackTracesInReplies,
              streamWindowItems,
              streamWindowBytes,
              chunkSize,
              shareWeights));
    }
  }

  /**
   * The first step of describing a peer: the common {@link Options}, then the role. {@link #bind}
   * and {@link #connect} each return a builder of that role carrying a copy of the options set so
   * far. Not thread-safe.
   */
  public static final class Builder extends Options<Builder> {
    private Builder() {}

    /** A copy of {@code from}'s options. */
    Builder(Options<?> from) {
      super(from);
    }

    /** A peer that serves remotes connecting to {@code address}, e.g. {@code inproc://name}. */
    public BoundPeer.Builder bind(String address) {
      return new BoundPeer.Builder(this, URI.create(address));
    }

    /** A peer that connects to the peer bound at {@code address}. */
    public ConnectedPeer.Builder connect(String address) {
      return new ConnectedPeer.Builder(this, URI.create(address));
    }

    /**
     * A client of many bound peers that serve the same methods: one connection per endpoint of
     * {@code endpoints}, each call sent to one of them (see {@link BalancedPeer}).
     */
    public BalancedPeer.Builder balance(Endpoints endpoints) {
      return new BalancedPeer.Builder(this, Objects.requireNonNull(endpoints, "endpoints"));
    }
  }
}
