package io.callosum;

import io.callosum.internal.PeerConfig;
import io.callosum.internal.PeerEngine;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Transport;
import io.callosum.upper.Codec;
import io.callosum.upper.MsgpackCodec;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * One endpoint of the Callosum protocol: both caller and callee. A peer either binds an address
 * and serves any number of remotes, or connects to one; either way it registers handlers with
 * {@link #handle} and calls the other side through {@link RemotePeer}s.
 *
 * <pre>{@code
 * try (Peer server = Peer.builder().bind("inproc://calc").build()) {
 *   server.handle("add", (ctx, body) -> {
 *     Map<?, ?> m = (Map<?, ?>) body.value();
 *     return ((Number) m.get("a")).longValue() + ((Number) m.get("b")).longValue();
 *   });
 *   server.start();
 *   try (Peer client = Peer.builder().connect("inproc://calc").build().start()) {
 *     Object sum = client.invoke("add", Map.of("a", 1, "b", 2)).join();   // 3
 *   }
 * }
 * }</pre>
 *
 * <p>The lower is chosen by the address scheme ({@code inproc://} here; {@code zmq+tcp://} and
 * {@code tcp://} with their modules on the class path), the upper by {@link Builder#codec}. All
 * methods are thread-safe. Handlers run on the handler executor, futures complete on the callback
 * executor; neither runs on a lower's I/O thread unless {@link Builder#directExecutor()} was chosen.
 */
public final class Peer implements Invoker, AutoCloseable {
  /** Default items of a stream window (see {@link Builder#streamWindow}). */
  public static final int DEFAULT_STREAM_WINDOW_ITEMS = 128;
  /** Default bytes of a stream window: 4 MiB. */
  public static final long DEFAULT_STREAM_WINDOW_BYTES = 4L << 20;
  /** Default {@link Builder#chunkSize}: 256 KiB. */
  public static final int DEFAULT_CHUNK_SIZE = 256 << 10;

  private final PeerEngine engine;

  private Peer(PeerEngine engine) {
    this.engine = engine;
  }

  /** Starts describing a peer. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds or connects. A connecting peer returns once its remote is connected, or throws {@link
   * ConnectionLostException} (unreachable, refused, or the connect timeout passed). A bound peer
   * throws {@link java.io.UncheckedIOException} if the address cannot be bound.
   */
  public Peer start() {
    engine.start();
    return this;
  }

  /** Registers (or replaces) the handler of {@code method}. May be called at any time. */
  public Peer handle(String method, Handler handler) {
    engine.handle(Objects.requireNonNull(method, "method"), Objects.requireNonNull(handler, "handler"));
    return this;
  }

  /**
   * Registers a streaming method: {@code handler} reads the caller's upstream and writes its
   * downstream (see {@link StreamHandler}, {@link Invocation#bidiStream}). Replaces any handler of
   * {@code method}.
   */
  public Peer handleStream(String method, StreamHandler handler) {
    engine.handleStream(Objects.requireNonNull(method, "method"), Objects.requireNonNull(handler, "handler"));
    return this;
  }

  /** Registers a handler whose body is decoded as {@code type}. */
  public <T> Peer handle(String method, Class<T> type, Handler.Typed<T> handler) {
    return handle(method, Handler.typed(type, handler));
  }

  /** Removes the handler of {@code method}; later calls of it get a "no such method" error. */
  public Peer unhandle(String method) {
    engine.unhandle(method);
    return this;
  }

  /**
   * Calls a method of the remote. Only for a connecting peer; a bound peer calls its clients
   * through {@link #remotes()} or a handler's {@link CallContext#caller()}. Called from inside a
   * handler, the call is a callback of the call being served (see {@link Ordering}).
   */
  @Override
  public Invocation call(String method) {
    return engine.call(method);
  }

  /** The connected remotes: one for a connecting peer, one per client for a bound peer. */
  public List<RemotePeer> remotes() {
    return engine.remotes();
  }

  /** The remote of a connecting peer; throws {@link ConnectionLostException} if not connected. */
  public RemotePeer remote() {
    RemotePeer r = engine.primary();
    if (r == null || !r.isConnected()) {
      throw new ConnectionLostException("not connected");
    }
    return r;
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
   * Closes the peer: calls in flight fail with {@link ConnectionLostException}, running handlers
   * are cancelled, remotes are disconnected, and every thread and socket this peer owns is
   * released before this returns. Idempotent.
   */
  @Override
  public void close() {
    engine.close();
  }

  /** Calls this peer holds in internal tables; 0 when idle. For tests and diagnostics. */
  public int internalEntries() {
    return engine.internalEntries();
  }

  @Override
  public String toString() {
    return engine.toString();
  }

  /** Describes a peer. Not thread-safe; {@link #build()} may be called once per peer. */
  public static final class Builder {
    private String name;
    private URI address;
    private Boolean bind;
    private Transport transport;
    private Codec codec;
    private Ordering ordering = Ordering.NONE;
    private Limits limits = Limits.defaults();
    private Executor handlerExecutor;
    private Executor callbackExecutor;
    private Timer timer;
    private Duration defaultTimeout;
    private Duration executionTimeout;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private boolean compressReplies;
    private int streamWindowItems = DEFAULT_STREAM_WINDOW_ITEMS;
    private long streamWindowBytes = DEFAULT_STREAM_WINDOW_BYTES;
    private int chunkSize = DEFAULT_CHUNK_SIZE;
    private final List<CallInterceptor> interceptors = new ArrayList<>();
    private final List<PeerListener> listeners = new ArrayList<>();

    private Builder() {}

    /** Serves remotes that connect to {@code address}, e.g. {@code inproc://name}. */
    public Builder bind(String address) {
      this.address = URI.create(address);
      this.bind = true;
      return this;
    }

    /** Connects to a peer bound at {@code address}. */
    public Builder connect(String address) {
      this.address = URI.create(address);
      this.bind = false;
      return this;
    }

    /** A name for thread names and logs. */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /** The lower to use instead of the one found by the address scheme. */
    public Builder transport(Transport transport) {
      this.transport = transport;
      return this;
    }

    /** The upper: how bodies are encoded. Default {@link MsgpackCodec}. */
    public Builder codec(Codec codec) {
      this.codec = codec;
      return this;
    }

    /** How calls sharing an order key are ordered here (as callee). Default {@link Ordering#NONE}. */
    public Builder ordering(Ordering ordering) {
      this.ordering = Objects.requireNonNull(ordering);
      return this;
    }

    public Builder limits(Limits limits) {
      this.limits = Objects.requireNonNull(limits);
      return this;
    }

    /** Where handlers run. Default: virtual threads (Java 21+) or a bounded pool. Not shut down by the peer. */
    public Builder handlerExecutor(Executor executor) {
      this.handlerExecutor = executor;
      return this;
    }

    /** Where call futures complete and listeners run. Not shut down by the peer. */
    public Builder callbackExecutor(Executor executor) {
      this.callbackExecutor = executor;
      return this;
    }

    /**
     * Runs handlers, completions and listeners directly on the lower's I/O thread, saving thread
     * hand-offs (each costs tens of microseconds). Only for short, non-blocking handlers and
     * callbacks: one that blocks stalls every call on the connection.
     */
    public Builder directExecutor() {
      Executor direct = Runnable::run;
      this.handlerExecutor = direct;
      this.callbackExecutor = direct;
      return this;
    }

    /** The time source for timeouts. Default: the system clock with one timer thread per peer. */
    public Builder timer(Timer timer) {
      this.timer = timer;
      return this;
    }

    /** The timeout of calls that set none. Default: none (a call waits until replied or disconnected). */
    public Builder defaultTimeout(Duration timeout) {
      this.defaultTimeout = timeout;
      return this;
    }

    /** Handlers running longer are cancelled and answered CANCELLED. Default: none. */
    public Builder executionTimeout(Duration timeout) {
      this.executionTimeout = timeout;
      return this;
    }

    /** How long {@link Peer#start()} may take to connect. Default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /**
     * Compresses every RESULT body with snappy (the {@code zip} flag). Python Callosum peers decode
     * it only when python-snappy is installed. Default: off.
     */
    public Builder compressReplies(boolean compress) {
      this.compressReplies = compress;
      return this;
    }

    /**
     * How much of each incoming stream this peer buffers: the credit it grants a sender, in items
     * and in bytes (one item may overdraw the bytes). A sender waits once it has sent that much
     * that was not taken yet. Default {@value #DEFAULT_STREAM_WINDOW_ITEMS} items, 4 MiB.
     */
    public Builder streamWindow(int items, long bytes) {
      if (items < 1 || bytes < 1) {
        throw new IllegalArgumentException("a stream window needs at least 1 item and 1 byte: " + items + ", " + bytes);
      }
      this.streamWindowItems = items;
      this.streamWindowBytes = Math.min(bytes, 1L << 40);
      return this;
    }

    /**
     * Calls and results whose body is bigger than this are sent in chunks of this size to remotes
     * that announce chunking (a few chunks in flight at a time), so that small calls on the same
     * connection pass between them; {@link Limits#maxMessageSize()} still bounds the whole message.
     * Default 256 KiB.
     */
    public Builder chunkSize(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("chunkSize must be at least 1024 bytes: " + bytes);
      }
      this.chunkSize = bytes;
      return this;
    }

    public Builder interceptor(CallInterceptor interceptor) {
      interceptors.add(Objects.requireNonNull(interceptor));
      return this;
    }

    public Builder listener(PeerListener listener) {
      listeners.add(Objects.requireNonNull(listener));
      return this;
    }

    /** Builds the peer (not started yet). Throws {@link IllegalArgumentException} for an unknown scheme. */
    public Peer build() {
      if (address == null) {
        throw new IllegalStateException("call bind(address) or connect(address) first");
      }
      Transport t = transport != null ? transport : io.callosum.internal.Transports.find(address);
      return new Peer(new PeerEngine(new PeerConfig(name, t, address, bind, codec != null ? codec : new MsgpackCodec(limits.maxNesting()),
          ordering, limits, handlerExecutor, callbackExecutor, timer, defaultTimeout, executionTimeout, connectTimeout,
          interceptors, listeners, compressReplies, streamWindowItems, streamWindowBytes, chunkSize)));
    }
  }
}
