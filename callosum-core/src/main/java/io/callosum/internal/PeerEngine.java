package io.callosum.internal;

import io.callosum.CallCancelledException;
import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.CallOutcome;
import io.callosum.CallTimeoutException;
import io.callosum.CallosumException;
import io.callosum.CodecException;
import io.callosum.ConnectionLostException;
import io.callosum.ErrorCode;
import io.callosum.Handler;
import io.callosum.Limits;
import io.callosum.MessageTooLargeException;
import io.callosum.OrderKey;
import io.callosum.Ordering;
import io.callosum.OverloadedException;
import io.callosum.Payload;
import io.callosum.PeerListener;
import io.callosum.RemotePeer;
import io.callosum.Timer;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.LinkListener;
import io.callosum.lower.TransportConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer protocol: turns calls into envelopes and envelopes into handler runs and replies. It is
 * the {@link LinkListener} of its lower, so its {@code connected}, {@code received} and {@code
 * disconnected} run on the lower's I/O thread: they decode, route and hand off, never run user
 * code (unless the direct executor was chosen) and never throw.
 *
 * <p>Scheduling state (order keys, concurrency slots, queues) is guarded by one lock, {@code
 * sched}; replies are handed to the lower under it so that return-ordered replies leave in order.
 * Handlers are started outside it.
 */
public final class PeerEngine implements LinkListener {
  private static final Logger LOG = LoggerFactory.getLogger(PeerEngine.class);
  /** The call whose synchronous handler runs on this thread: callbacks made here carry its chain. */
  static final ThreadLocal<ServerCall> CURRENT = new ThreadLocal<>();
  /** The engine whose executor runs the current thread's task (to avoid waiting on ourselves). */
  private static final ThreadLocal<PeerEngine> ON_OWN_THREAD = new ThreadLocal<>();
  private static final AtomicLong PEER_IDS = new AtomicLong();
  /** The most platform threads a default handler pool may start (Java 17; virtual threads have no cap). */
  private static final int MAX_POOL_THREADS = 4096;
  /** Mints the unguessable ids of this peer's callbacks in call chains. */
  private static final java.security.SecureRandom TOKENS = new java.security.SecureRandom();
  /** The starts deferred on this thread while an inline executor runs handlers (see {@link #start}). */
  private static final ThreadLocal<ArrayDeque<Runnable>> STARTING = new ThreadLocal<>();

  final PeerConfig config;
  private final Limits limits;
  private final Ordering ordering;
  private final Capabilities localCapabilities;
  private final String name;
  private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
  /** Bytes of big messages being received in chunks, counted against {@code Limits.maxBufferedBytes}. */
  private final java.util.concurrent.atomic.AtomicLong chunkBytes = new java.util.concurrent.atomic.AtomicLong();
  /** Bytes of big messages this peer holds until their receivers grant chunk credit, bounded alike. */
  private final java.util.concurrent.atomic.AtomicLong chunkBytesOut = new java.util.concurrent.atomic.AtomicLong();
  private final Map<Link, RemoteLink> remotes = new ConcurrentHashMap<>();
  private final AtomicLong seq = new AtomicLong();
  private final AtomicInteger pendingCount = new AtomicInteger();
  private final Executor handlerExecutor;
  private final Executor callbackExecutor;
  private final ExecutorService ownedHandlerExecutor;
  private final ExecutorService ownedCallbackExecutor;
  private final Timer timer;
  private final SystemTimer ownedTimer;
  private final SerialExecutor events;
  private final List<CallInterceptor> interceptors;
  private final List<PeerListener> listeners;

  private final Object sched = new Object();
  /** Callee-side interceptor calls queued in reply order (see {@link #drainOutcomes}). */
  private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> outcomes = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicBoolean drainingOutcomes = new java.util.concurrent.atomic.AtomicBoolean();
  private final Map<OrderKey, KeyState> keys = new HashMap<>();
  private final ArrayDeque<ServerCall> ready = new ArrayDeque<>();
  /** Callbacks in flight, by their chain token: calls this peer made from inside a call it serves (see ORDERING.md). */
  private final Map<Long, ClientCall> callbacks = new ConcurrentHashMap<>();
  private int running;
  private int admitted;
  private long buffered;

  private final Object lifecycle = new Object();
  private boolean started;
  private volatile boolean closed;
  private volatile Endpoint endpoint;
  private volatile RemoteLink primary;
  private final CompletableFuture<RemoteLink> firstRemote = new CompletableFuture<>();

  /** Per order key: the serialized queue, or the return-ordered reply queue. */
  private static final class KeyState {
    ServerCall running;
    final ArrayDeque<ServerCall> waiting = new ArrayDeque<>();
    final ArrayDeque<ServerCall> replies = new ArrayDeque<>();

    boolean idle() {
      return running == null && waiting.isEmpty() && replies.isEmpty();
    }
  }

  public PeerEngine(PeerConfig config) {
    this.config = config;
    this.limits = config.limits();
    this.ordering = config.ordering();
    this.name = config.name() != null ? config.name() : "peer" + PEER_IDS.incrementAndGet();
    long instance;
    do {
      instance = ThreadLocalRandom.current().nextLong();
    } while (instance == 0);
    this.localCapabilities = new Capabilities(Capabilities.VERSION, instance, config.ordering() == Ordering.NONE
        ? Set.of(Capabilities.CHAIN, Capabilities.STREAM, Capabilities.CHUNK)
        : Set.of(Capabilities.CHAIN, Capabilities.STREAM, Capabilities.CHUNK, Capabilities.ORDERED));
    if (config.handlerExecutor() != null) {
      handlerExecutor = config.handlerExecutor();
      ownedHandlerExecutor = null;
    } else {
      // Calls nested in callback chains may run beyond maxConcurrentCalls (up to the calls admitted),
      // so the pool must not cap below that; the scheduler bounds what it submits.
      ownedHandlerExecutor = Threads.handlerExecutor("callosum-" + name + "-handler",
          (int) Math.min(MAX_POOL_THREADS, admissionLimit() + 16));
      handlerExecutor = ownedHandlerExecutor;
    }
    if (config.callbackExecutor() != null) {
      callbackExecutor = config.callbackExecutor();
      ownedCallbackExecutor = null;
    } else {
      ownedCallbackExecutor = Threads.callbackExecutor("callosum-" + name + "-callback", 64);
      callbackExecutor = ownedCallbackExecutor;
    }
    if (config.timer() != null) {
      timer = config.timer();
      ownedTimer = null;
    } else {
      ownedTimer = new SystemTimer("callosum-" + name + "-timer");
      timer = ownedTimer;
    }
    this.events = new SerialExecutor(this::onCallbackThread);
    this.interceptors = List.copyOf(config.interceptors());
    this.listeners = List.copyOf(config.listeners());
  }

  /** Calls in progress or queued beyond which a call is refused as overloaded (no int overflow). */
  private long admissionLimit() {
    return (long) limits.maxConcurrentCalls() + limits.maxQueuedCalls();
  }

  // ---------------------------------------------------------------- lifecycle

  public Capabilities localCapabilities() {
    return localCapabilities;
  }

  public void start() {
    synchronized (lifecycle) {
      if (started) {
        throw new IllegalStateException("peer already started");
      }
      if (closed) {
        throw new IllegalStateException("peer is closed");
      }
      started = true;
    }
    TransportConfig tc = new TransportConfig(localCapabilities, limits.maxMessageSize(), config.connectTimeout());
    if (config.bind()) {
      try {
        own(config.transport().bind(config.address(), tc, this));
      } catch (IOException e) {
        close();
        throw new UncheckedIOException("cannot bind " + config.address() + ": " + e.getMessage(), e);
      } catch (RuntimeException e) {
        close();
        throw e;
      }
      return;
    }
    try {
      own(config.transport().connect(config.address(), tc, this));
      firstRemote.get(config.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (IOException e) {
      close();
      throw new ConnectionLostException("cannot connect to " + config.address() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      close(); // e.g. ConnectionLostException, AuthenticationException from the lower
      throw e;
    } catch (TimeoutException e) {
      close();
      throw new ConnectionLostException("connect to " + config.address() + " timed out after " + config.connectTimeout().toMillis() + " ms");
    } catch (InterruptedException e) {
      close();
      Thread.currentThread().interrupt();
      throw new ConnectionLostException("interrupted while connecting to " + config.address(), e);
    } catch (ExecutionException e) {
      close();
      throw new ConnectionLostException("cannot connect to " + config.address() + ": " + e.getCause(), e.getCause());
    }
  }

  /** Takes the endpoint the lower opened; if {@code close()} ran meanwhile, closes it and fails. */
  private void own(Endpoint e) {
    synchronized (lifecycle) {
      if (!closed) {
        endpoint = e;
        return;
      }
    }
    e.close();
    throw new ConnectionLostException("peer closed while starting");
  }

  public String address() {
    Endpoint e = endpoint;
    return e != null ? e.address() : config.address().toString();
  }

  public boolean isClosed() {
    return closed;
  }

  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
    }
    firstRemote.completeExceptionally(new ConnectionLostException("peer closed"));
    for (RemoteLink r : new ArrayList<>(remotes.values())) {
      dropRemote(r, new ConnectionLostException("peer closed"), true);
    }
    Endpoint e;
    synchronized (lifecycle) {
      e = endpoint;
    }
    if (e != null) {
      try {
        e.close();
      } catch (RuntimeException ex) {
        LOG.warn("{}: closing the lower failed", name, ex);
      }
    }
    boolean own = ON_OWN_THREAD.get() == this;
    if (ownedTimer != null) {
      ownedTimer.close();
    }
    if (ownedHandlerExecutor != null) {
      shutdown(ownedHandlerExecutor, own);
    }
    if (ownedCallbackExecutor != null) {
      shutdown(ownedCallbackExecutor, own);
    }
  }

  private static void shutdown(ExecutorService e, boolean fromOwnThread) {
    if (fromOwnThread) {
      e.shutdown();
    } else {
      Threads.shutdownAndWait(e);
    }
  }

  // ---------------------------------------------------------------- handlers and remotes

  public void handle(String method, Handler handler) {
    handlers.put(method, handler);
  }

  /** A handler registered with {@link #handleStream}: the only kind that reads an upstream. */
  private interface StreamAdapter extends Handler {}

  public void handleStream(String method, io.callosum.StreamHandler handler) {
    handlers.put(method, (StreamAdapter) (ctx, body) -> {
      ServerCall c = (ServerCall) ctx;
      return handler.handle(ctx, body, c.upstream(config.codec(), callbackExecutor), c.downstream(config.codec(), callbackExecutor));
    });
  }

  public void unhandle(String method) {
    handlers.remove(method);
  }

  public List<RemotePeer> remotes() {
    return List.copyOf(remotes.values());
  }

  /** The remote of a connecting peer, or null if it is not connected. */
  public RemotePeer primary() {
    return primary;
  }

  public io.callosum.Invocation call(String method) {
    if (config.bind()) {
      throw new IllegalStateException(
          "a bound peer has one remote per client: call them through remotes() or CallContext.caller()");
    }
    return new InvocationImpl(this, () -> primary, method, null);
  }

  /** How many calls this peer holds in any internal table (for tests: 0 when idle). */
  public int internalEntries() {
    int n = pendingCount.get();
    for (RemoteLink r : remotes.values()) {
      n += r.pending.size() + r.serving.size() + r.chunksOut.size() + r.chunksIn.size();
    }
    n += callbacks.size() + (chunkBytes.get() != 0 ? 1 : 0) + (chunkBytesOut.get() != 0 ? 1 : 0);
    synchronized (sched) {
      return n + keys.size() + ready.size() + running + admitted + (buffered > 0 ? 1 : 0);
    }
  }

  // ---------------------------------------------------------------- executors

  private void onCallbackThread(Runnable r) {
    try {
      callbackExecutor.execute(() -> runAsOwn(r));
    } catch (RejectedExecutionException e) {
      r.run(); // closing: deliver inline rather than lose a completion
    }
  }

  private void runAsOwn(Runnable r) {
    PeerEngine before = ON_OWN_THREAD.get();
    ON_OWN_THREAD.set(this);
    try {
      r.run();
    } finally {
      if (before == null) {
        ON_OWN_THREAD.remove();
      } else {
        ON_OWN_THREAD.set(before);
      }
    }
  }

  // ---------------------------------------------------------------- lower events (I/O thread)

  @Override
  public void connected(Link link) {
    if (closed) {
      link.close();
      return;
    }
    RemoteLink r = new RemoteLink(this, link);
    remotes.put(link, r);
    if (!config.bind()) {
      primary = r;
      firstRemote.complete(r);
    }
    LOG.debug("{}: {} connected ({})", name, link.id(), r.capabilities);
    for (PeerListener l : listeners) {
      events.execute(() -> l.connected(r));
    }
  }

  @Override
  public void disconnected(Link link, Throwable cause) {
    RemoteLink r = remotes.get(link);
    if (r != null) {
      String why = "connection to " + link.id() + " lost" + (cause != null ? ": " + cause.getMessage() : "");
      dropRemote(r, new ConnectionLostException(why, cause), false);
    }
    if (!config.bind()) {
      firstRemote.completeExceptionally(new ConnectionLostException("connection closed during connect", cause));
    }
  }

  private void dropRemote(RemoteLink r, ConnectionLostException error, boolean closeLink) {
    if (!remotes.remove(r.link, r)) {
      return;
    }
    r.connected = false;
    for (Long key : new ArrayList<>(r.chunksOut.keySet())) {
      stopChunksOut(r, key);
    }
    for (Long key : new ArrayList<>(r.chunksIn.keySet())) {
      dropChunksIn(r, key, false);
    }
    for (ClientCall c : new ArrayList<>(r.pending.values())) {
      if (unpend(c)) {
        settle(c, null, error, 0);
      }
    }
    for (ServerCall c : new ArrayList<>(r.serving.values())) {
      cancelServing(c, null);
    }
    if (closeLink) {
      r.link.close();
    }
    LOG.debug("{}: {} disconnected: {}", name, r.id(), error.getMessage());
    for (PeerListener l : listeners) {
      events.execute(() -> l.disconnected(r, error));
    }
  }

  @Override
  public void received(Link link, Envelope envelope) {
    try {
      RemoteLink r = remotes.get(link);
      if (r == null || closed) {
        LOG.debug("{}: dropped a message from {} (not connected)", name, link.id());
        return;
      }
      receive(r, envelope);
    } catch (RuntimeException | Error e) {
      // Never let a remote's message end the lower's receive loop.
      LOG.error("{}: unexpected failure handling a message from {}", name, link.id(), e);
    }
  }

  private void receive(RemoteLink r, Envelope env) {
    if (env.header().length > limits.maxHeaderSize()) {
      LOG.warn("{}: dropped a message from {}: header of {} bytes exceeds {}", name, r.id(), env.header().length, limits.maxHeaderSize());
      return;
    }
    Header h;
    try {
      h = MessageCodec.decodeHeader(env.header(), limits.maxOrderKeySize(), limits.maxCallChain());
    } catch (BadMessageException e) {
      Header partial = e.header();
      if (partial != null && partial.type() == MessageType.FUNCTION) {
        LOG.warn("{}: bad request from {}: {}", name, r.id(), e.getMessage());
        sendError(r, partial, ErrorNames.BAD_MESSAGE, e.getMessage());
      } else if (partial != null) {
        LOG.warn("{}: bad reply from {} for {}: {}", name, r.id(), partial.method(), e.getMessage());
        ClientCall c = takePending(r, partial);
        if (c != null) {
          settle(c, null, new CallosumException(ErrorCode.BAD_MESSAGE, "malformed reply: " + e.getMessage()), env.size());
        }
      } else {
        LOG.warn("{}: dropped a message from {}: {}", name, r.id(), e.getMessage());
      }
      return;
    }
    if (!announced(r, h, env)) {
      return;
    }
    if (h.chunkTotal() > 0) {
      onChunkedStart(r, h, env);
      return;
    }
    if (env.size() > limits.maxMessageSize()) {
      tooLarge(r, h, env.size());
      return;
    }
    switch (h.type()) {
      case CHUNK:
        onChunk(r, h, env);
        break;
      case CHUNK_CREDIT:
        onChunkCredit(r, h);
        break;
      case FUNCTION:
        onFunction(r, h, env);
        break;
      case CANCEL:
        onCancel(r, h);
        break;
      case STREAM_ITEM:
      case STREAM_CREDIT:
      case STREAM_END:
      case STREAM_CANCEL:
        onStream(r, h, env);
        break;
      case RESULT:
      case FAILURE:
      case ERROR:
      case CANCELLED:
        onReply(r, h, env);
        break;
      default:
        LOG.warn("{}: dropped a message of type {} from {}", name, h.type(), r.id());
    }
  }

  /**
   * Whether the remote announced the extension {@code h} belongs to. One that did not gets no
   * extension message back: a call is refused with an ERROR, a reply fails its call, the rest is
   * dropped.
   */
  private boolean announced(RemoteLink r, Header h, Envelope env) {
    String missing = (h.chunkTotal() > 0 || h.type().isChunk()) && !r.capabilities.has(Capabilities.CHUNK) ? Capabilities.CHUNK
        : h.type().isStream() && !r.capabilities.has(Capabilities.STREAM) ? Capabilities.STREAM : null;
    if (missing == null) {
      return true;
    }
    String msg = h.type() + (h.chunkTotal() > 0 ? " with chk" : "") + " from a remote that did not announce " + missing;
    LOG.warn("{}: dropped {} ({} seq {})", name, msg, h.method(), h.seq());
    if (h.type() == MessageType.FUNCTION) {
      sendError(r, h, ErrorNames.BAD_MESSAGE, msg);
    } else if (h.type().isReply()) {
      ClientCall c = takePending(r, h);
      if (c != null) {
        settle(c, null, new CallosumException(ErrorCode.BAD_MESSAGE, "malformed reply: " + msg), env.size());
      }
    }
    return false;
  }

  /** The open stream a STREAM_ITEM or STREAM_END from {@code r} is for, or null. */
  private static StreamIn streamInOf(RemoteLink r, Header h) {
    if (h.streams() == Header.UPSTREAM) {
      ServerCall c = r.serving.get(new ServeKey(h.seq(), h.method(), h.orderKey()));
      return c == null ? null : c.upstream;
    }
    ClientCall c = r.pending.get(h.seq());
    return c != null && matches(c, h) ? c.downstream : null;
  }

  private void tooLarge(RemoteLink r, Header h, long size) {
    String msg = "message of " + size + " bytes exceeds the limit of " + limits.maxMessageSize();
    LOG.warn("{}: {} from {} ({})", name, msg, r.id(), h.method());
    if (h.type() == MessageType.FUNCTION) {
      sendError(r, h, ErrorNames.MESSAGE_TOO_LARGE, msg);
    } else if (h.type().isReply()) {
      ClientCall c = takePending(r, h);
      if (c != null) {
        settle(c, null, new MessageTooLargeException("reply " + msg), size);
      }
    } else if (h.type() == MessageType.STREAM_ITEM || h.type() == MessageType.STREAM_END) {
      StreamIn in = streamInOf(r, h);
      if (in != null) {
        in.refuse(new MessageTooLargeException("stream item " + msg)); // never a silent gap in the stream
      }
    }
  }

  // ---------------------------------------------------------------- callee side

  private void onFunction(RemoteLink r, Header h, Envelope env) {
    MessageCodec.BodyFrame frame;
    try {
      frame = MessageCodec.decodeBody(env.body(), h.zip(), limits.maxMessageSize() - env.header().length);
    } catch (BadMessageException e) {
      LOG.warn("{}: bad request body from {} for {}: {}", name, r.id(), h.method(), e.getMessage());
      sendError(r, h, ErrorNames.BAD_MESSAGE, e.getMessage());
      return;
    }
    if (frame.body() == null) {
      sendError(r, h, ErrorNames.BAD_MESSAGE, "request body is nil");
      return;
    }
    Handler handler = handlers.get(h.method());
    if (handler == null) {
      LOG.info("{}: {} called unknown method {}", name, r.id(), h.method());
      sendError(r, h, ErrorNames.NO_SUCH_METHOD, "no such method: " + h.method());
      return;
    }
    List<CallId> chain = r.capabilities.has(Capabilities.CHAIN) ? h.chain() : List.of();
    ServerCall c = new ServerCall(r, h, chain, handler, frame.body(), timer.nanoTime(), env.size());
    int streams = r.capabilities.has(Capabilities.STREAM) ? h.streams() : 0;
    if ((streams & Header.UPSTREAM) != 0) {
      c.upstream = new StreamIn(new StreamWire(r, h, Header.UPSTREAM), config.codec(),
          config.streamWindowItems(), config.streamWindowBytes(), callbackExecutor);
    }
    if ((streams & Header.DOWNSTREAM) != 0) {
      c.downstream = new StreamOut(new StreamWire(r, h, Header.DOWNSTREAM), config.codec(), limits.maxMessageSize(), callbackExecutor, true);
      c.downstream.grant(h.creditItems(), h.creditBytes());
    }
    accept(c);
  }

  // ---------------------------------------------------------------- streams

  /**
   * A stream message: items and ends travel with the stream (upstream to the callee, downstream to
   * the caller), credit and cancels against it. One for a call that is not in progress (any more)
   * is dropped.
   */
  private void onStream(RemoteLink r, Header h, Envelope env) {
    MessageType t = h.type();
    boolean data = t == MessageType.STREAM_ITEM || t == MessageType.STREAM_END;
    boolean toCallee = (h.streams() == Header.UPSTREAM) == data;
    StreamIn in = null;
    StreamOut out = null;
    if (toCallee) {
      ServerCall c = r.serving.get(new ServeKey(h.seq(), h.method(), h.orderKey()));
      if (c != null) {
        in = c.upstream;
        out = c.downstream;
      }
    } else {
      ClientCall c = r.pending.get(h.seq());
      if (c != null && matches(c, h)) {
        in = c.downstream;
        out = c.upstream;
      }
    }
    if (data ? in == null : out == null) {
      LOG.debug("{}: {} from {} for no open stream ({} seq {})", name, t, r.id(), h.method(), h.seq());
      return;
    }
    MessageCodec.BodyFrame frame;
    try {
      frame = MessageCodec.decodeBody(env.body(), h.zip(), limits.maxMessageSize() - env.header().length);
    } catch (BadMessageException e) {
      LOG.warn("{}: bad {} from {} for {}: {}", name, t, r.id(), h.method(), e.getMessage());
      if (data) {
        in.finish(new CallosumException(ErrorCode.BAD_MESSAGE, "malformed stream message: " + e.getMessage()));
      }
      return;
    }
    switch (t) {
      case STREAM_ITEM:
        if (frame.body() == null) {
          in.finish(new CallosumException(ErrorCode.BAD_MESSAGE, "malformed stream message: an item with a nil body"));
        } else {
          in.onItem(frame.body());
        }
        break;
      case STREAM_END:
        String[] meta = MessageCodec.decodeErrorMeta(frame.meta());
        in.onEnd(meta == null ? null : ErrorNames.toException(true, meta));
        break;
      case STREAM_CREDIT:
        out.grant(h.creditItems(), h.creditBytes());
        break;
      default:
        out.stop(new CallCancelledException("the receiver cancelled the " + (h.streams() == Header.UPSTREAM ? "upstream" : "downstream"), null, true));
    }
  }

  /** The handler has returned (or was cancelled): its open streams end. */
  private static void endServerStreams(ServerCall c, CallosumException failure) {
    if (c.downstream != null) {
      if (failure == null) {
        c.downstream.complete();
      } else {
        c.downstream.stop(failure);
      }
    }
    if (c.upstream != null) {
      if (failure == null) {
        c.upstream.cancel(); // the handler reads no more: the caller stops sending
      } else {
        c.upstream.finish(failure);
      }
    }
  }

  // ---------------------------------------------------------------- chunks

  /** Sends {@code env} whole, or in chunks when it is big and the remote takes chunks. */
  private void sendPossiblyChunked(RemoteLink r, Header h, Envelope env, int direction) {
    if (env.body().length <= config.chunkSize() || !r.capabilities.has(Capabilities.CHUNK)
        || (direction == Chunks.REQUEST && r.capabilities.has(Capabilities.ORDERED))) {
      r.link.send(env); // an ordering callee gets calls whole: see Capabilities.ORDERED
      return;
    }
    long length = env.body().length;
    long held = chunkBytesOut.addAndGet(length);
    if (held > limits.maxBufferedBytes() && held != length) {
      chunkBytesOut.addAndGet(-length);
      throw new OverloadedException(held - length + " bytes of big messages wait for their receivers' credit (limit "
          + limits.maxBufferedBytes() + ")");
    }
    Chunks.Out out = new Chunks.Out(r, h, direction, env.body(), config.chunkSize());
    long key = Chunks.key(h.seq(), direction);
    Chunks.Out previous = r.chunksOut.put(key, out); // registered first: the credit may come at once
    if (previous != null) {
      previous.stop();
      chunkBytesOut.addAndGet(-previous.total());
    }
    try {
      r.link.send(out.start());
    } catch (RuntimeException e) {
      if (r.chunksOut.remove(key, out)) {
        chunkBytesOut.addAndGet(-out.total());
      }
      throw e;
    }
  }

  /** A FUNCTION or RESULT announcing that its body follows in chunks. */
  private void onChunkedStart(RemoteLink r, Header h, Envelope env) {
    int direction = h.type() == MessageType.FUNCTION ? Chunks.REQUEST : Chunks.REPLY;
    if (env.body().length != 0) {
      refuseChunks(r, h, ErrorNames.BAD_MESSAGE, "a chunked message must have an empty body frame");
      return;
    }
    if (h.chunkTotal() + env.header().length > limits.maxMessageSize()) {
      tooLarge(r, h, h.chunkTotal() + env.header().length);
      abortChunks(r, h, direction);
      return;
    }
    if (direction == Chunks.REPLY) {
      ClientCall c = r.pending.get(h.seq());
      if (c == null || !matches(c, h)) {
        LOG.debug("{}: chunked reply from {} for an unknown or finished call ({} seq {})", name, r.id(), h.method(), h.seq());
        abortChunks(r, h, direction);
        return;
      }
    }
    long total = h.chunkTotal();
    long mine = 0;
    for (Chunks.In other : r.chunksIn.values()) {
      mine += other.total();
    }
    if (mine > 0 && mine + total > limits.maxBufferedBytes() / 2) {
      // One remote may hold at most half of the budget (but always one message), so that a
      // remote that announces big messages and stalls cannot refuse every other remote's.
      refuseChunks(r, h, ErrorNames.OVERLOADED, mine + " bytes of big messages are arriving from this remote (at most "
          + limits.maxBufferedBytes() / 2 + " per remote)");
      return;
    }
    long held = chunkBytes.addAndGet(total);
    if (held > limits.maxBufferedBytes() && held != total) {
      chunkBytes.addAndGet(-total);
      refuseChunks(r, h, ErrorNames.OVERLOADED, held - total + " bytes of big messages are arriving (limit " + limits.maxBufferedBytes() + ")");
      return;
    }
    Chunks.In in = new Chunks.In(h, direction, timer.nanoTime());
    long key = Chunks.key(h.seq(), direction);
    if (r.chunksIn.putIfAbsent(key, in) != null) {
      chunkBytes.addAndGet(-total);
      refuseChunks(r, h, ErrorNames.BAD_MESSAGE, "duplicate: " + h.method() + " seq " + h.seq() + " is already arriving in chunks");
      return;
    }
    watchChunksIn(r, key, in, Chunks.IDLE_TIMEOUT);
    sendChunkCredit(r, h, direction, Chunks.WINDOW);
  }

  /** Drops a big message that has had no chunk for {@link Chunks#IDLE_TIMEOUT}; re-arms itself otherwise. */
  private void watchChunksIn(RemoteLink r, long key, Chunks.In in, Duration delay) {
    in.watch(timer.schedule(delay, () -> {
      if (r.chunksIn.get(key) != in) {
        return;
      }
      long idle = timer.nanoTime() - in.lastChunkNanos();
      long limit = Chunks.IDLE_TIMEOUT.toNanos();
      if (idle < limit) {
        watchChunksIn(r, key, in, Duration.ofNanos(limit - idle));
      } else if (dropChunksIn(r, key, false)) {
        refuseChunks(r, in.header, ErrorNames.BAD_MESSAGE, "no chunk of the " + in.total() + "-byte " + in.header.method()
            + " for " + Chunks.IDLE_TIMEOUT.toSeconds() + " s: the transfer is dropped");
      }
    }));
  }

  /** Refuses a big message before its chunks come: an error reply to a call, a failure for a reply. */
  private void refuseChunks(RemoteLink r, Header h, String errorName, String message) {
    LOG.warn("{}: refused a chunked {} from {} ({}): {}", name, h.type(), r.id(), h.method(), message);
    if (h.type() == MessageType.FUNCTION) {
      sendError(r, h, errorName, message);
    } else {
      ClientCall c = takePending(r, h);
      if (c != null) {
        settle(c, null, errorName.equals(ErrorNames.OVERLOADED) ? new OverloadedException(message)
            : new CallosumException(ErrorCode.BAD_MESSAGE, "malformed reply: " + message), 0);
      }
    }
    abortChunks(r, h, h.type() == MessageType.FUNCTION ? Chunks.REQUEST : Chunks.REPLY);
  }

  private void onChunk(RemoteLink r, Header h, Envelope env) {
    long key = Chunks.key(h.seq(), h.streams());
    Chunks.In in = r.chunksIn.get(key);
    if (in == null || !in.header.method().equals(h.method()) || !in.header.orderKey().equals(h.orderKey())) {
      LOG.debug("{}: a chunk from {} for no transfer in progress ({} seq {})", name, r.id(), h.method(), h.seq());
      return;
    }
    if (!in.append(env.body(), timer.nanoTime())) {
      dropChunksIn(r, key, false);
      refuseChunks(r, in.header, ErrorNames.BAD_MESSAGE, "chunks overflow the announced " + in.total() + " bytes");
      return;
    }
    if (!in.complete()) {
      sendChunkCredit(r, in.header, in.direction, 1);
      return;
    }
    if (r.chunksIn.remove(key, in)) {
      in.release();
      chunkBytes.addAndGet(-in.total());
      receive(r, in.envelope());
    }
  }

  private void onChunkCredit(RemoteLink r, Header h) {
    long key = Chunks.key(h.seq(), h.streams());
    Chunks.Out out = r.chunksOut.get(key);
    if (out == null) {
      return;
    }
    if (h.creditItems() == 0) {
      LOG.debug("{}: {} stopped the chunks of {} seq {}", name, r.id(), h.method(), h.seq());
      stopChunksOut(r, key);
    } else if (out.grant(h.creditItems()) && r.chunksOut.remove(key, out)) {
      chunkBytesOut.addAndGet(-out.total());
    }
  }

  private void sendChunkCredit(RemoteLink r, Header h, int direction, long chunks) {
    try {
      r.link.send(new Envelope(MessageCodec.encodeHeader(h.stream(MessageType.CHUNK_CREDIT, direction, chunks, 0)),
          MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, null, false)));
    } catch (RuntimeException e) {
      LOG.debug("{}: chunk credit to {} not sent: {}", name, r.id(), e.getMessage());
    }
  }

  /** Tells the sender of a big message to stop (a CHUNK_CREDIT without credit). */
  private void abortChunks(RemoteLink r, Header h, int direction) {
    sendChunkCredit(r, h, direction, 0);
  }

  private void stopChunksOut(RemoteLink r, long key) {
    Chunks.Out out = r.chunksOut.remove(key);
    if (out != null) {
      out.stop();
      chunkBytesOut.addAndGet(-out.total());
    }
  }

  /** Drops a big message arriving in chunks; with {@code tell}, its sender is asked to stop. True if there was one. */
  private boolean dropChunksIn(RemoteLink r, long key, boolean tell) {
    Chunks.In in = r.chunksIn.remove(key);
    if (in == null) {
      return false;
    }
    in.release();
    chunkBytes.addAndGet(-in.total());
    if (tell && r.connected) {
      abortChunks(r, in.header, in.direction);
    }
    return true;
  }

  /** The call has ended: its streams end with it (a downstream keeps what arrived). */
  private static void endClientStreams(ClientCall c, CallosumException failure) {
    if (c.downstream != null) {
      c.downstream.finish(failure);
    }
    if (c.upstream != null) {
      c.upstream.stop(failure != null ? failure : new CallCancelledException("the call of " + c.method + " has ended"));
    }
  }

  /**
   * Marks {@code c} nested when its chain holds a callback this peer has in flight from inside a
   * call it still serves: then that call is an ancestor of {@code c}. Chain entries minted here
   * carry a random 64-bit token, so a remote cannot guess one it was not given, and they count
   * only while their callback is in flight; the ancestry is known for callers of any kind, Python
   * ones included.
   */
  private void classifyNesting(ServerCall c) {
    for (CallId id : c.chain) {
      ClientCall callback = callbacks.get(id.instance());
      ServerCall ancestor = callback == null || callback.seq != id.seq() ? null : callback.parent;
      if (ancestor == null || ancestor.state == ServerCall.State.EXITED || ancestor.state == ServerCall.State.NEW) {
        continue;
      }
      c.slotExempt = true;
      if (ordering != Ordering.NONE && ancestor.header.orderKey().equals(c.header.orderKey())) {
        c.nested = true;
      }
    }
  }

  private void accept(ServerCall c) {
    List<ServerCall> toStart = new ArrayList<>(1);
    String refusal = null;
    String refusalName = null;
    synchronized (sched) {
      if (closed) {
        LOG.debug("{}: dropped {} (peer closing)", name, c);
        return;
      } else if (c.remote.serving.containsKey(c.serveKey)) {
        // Checked first: any reply to a duplicate would be taken for the original's.
        refusalName = ErrorNames.BAD_MESSAGE;
        refusal = "duplicate request: " + c.header.method() + " seq " + c.header.seq() + " is already being served";
      } else if (admitted >= admissionLimit()) {
        // Nested calls count too, so nothing escapes this bound.
        refusalName = ErrorNames.OVERLOADED;
        refusal = admitted + " calls in progress or queued (limit " + admissionLimit() + ")";
      } else if (buffered > 0 && buffered + charge(c) > limits.maxBufferedBytes()) {
        refusalName = ErrorNames.OVERLOADED;
        refusal = buffered + " bytes of calls and stream windows held (limit " + limits.maxBufferedBytes() + ")";
      } else {
        c.remote.serving.put(c.serveKey, c);
        classifyNesting(c);
        admitted++;
        c.bufferedBytes = charge(c);
        buffered += c.bufferedBytes;
        if (ordering == Ordering.NONE || c.nested) {
          admitSlot(c, toStart);
        } else {
          KeyState ks = keys.computeIfAbsent(c.header.orderKey(), k -> new KeyState());
          if (ordering == Ordering.KEY_RETURN_ORDERED) {
            ks.replies.add(c);
            admitSlot(c, toStart);
            if (c.slotExempt) {
              // Its reply waits for those before it: none of them may wait for a slot that the
              // chain's blocked ancestors hold.
              for (ServerCall earlier : ks.replies) {
                promote(earlier, toStart);
              }
            }
          } else if (ks.running == null) {
            ks.running = c;
            admitSlot(c, toStart);
          } else {
            c.state = ServerCall.State.QUEUED_KEY;
            ks.waiting.add(c);
            if (c.slotExempt) {
              promote(ks.running, toStart); // the key's holder must not wait for a slot either
            }
          }
        }
      }
    }
    if (refusal != null) {
      LOG.warn("{}: refused {} from {}: {}", name, c.header.method(), c.remote.id(), refusal);
      if (refusalName.equals(ErrorNames.OVERLOADED)) {
        sendError(c.remote, c.header, refusalName, refusal);
      }
      return;
    }
    started(c.info);
    start(toStart);
  }

  /** What a call holds against {@code Limits.maxBufferedBytes}: its body and the window of its upstream. */
  private static long charge(ServerCall c) {
    return c.body.length + (c.upstream != null ? c.upstream.windowBytes() : 0);
  }

  /** Starts {@code c} without a free slot if it is waiting for one: a nested call waits on it. */
  private void promote(ServerCall c, List<ServerCall> toStart) {
    if (c.state == ServerCall.State.QUEUED_SLOT) {
      ready.remove(c);
      c.slotExempt = true;
      admitSlot(c, toStart);
    }
  }

  /** Gives {@code c} a concurrency slot, or queues it for one. Nested calls never wait for one. */
  private void admitSlot(ServerCall c, List<ServerCall> toStart) {
    if (c.slotExempt || running < limits.maxConcurrentCalls()) {
      running++;
      c.holdsSlot = true;
      c.state = ServerCall.State.RUNNING;
      toStart.add(c);
    } else {
      c.state = ServerCall.State.QUEUED_SLOT;
      ready.add(c);
    }
  }

  /**
   * Hands calls to the handler executor. An executor that runs tasks inline (the direct executor)
   * would recurse here through run, exited and start once per queued call; starts made while one
   * is already running on this thread are deferred to the outermost one instead.
   */
  private void start(List<ServerCall> calls) {
    if (calls.isEmpty()) {
      return;
    }
    ArrayDeque<Runnable> deferred = STARTING.get();
    if (deferred != null) {
      for (ServerCall c : calls) {
        deferred.add(() -> startOne(c));
      }
      return;
    }
    deferred = new ArrayDeque<>();
    STARTING.set(deferred);
    try {
      for (ServerCall c : calls) {
        startOne(c);
      }
      Runnable next;
      while ((next = deferred.poll()) != null) {
        next.run();
      }
    } finally {
      STARTING.remove();
    }
  }

  private void startOne(ServerCall c) {
    try {
      handlerExecutor.execute(() -> runAsOwn(() -> run(c)));
    } catch (RejectedExecutionException e) {
      LOG.warn("{}: the handler executor refused {}", name, c);
      replied(c, errorEnvelope(c.header, ErrorMessage.ERROR,
          ErrorNames.framework(ErrorNames.OVERLOADED, "the handler executor refused the call")));
      exited(c);
    }
  }

  private void run(ServerCall c) {
    if (config.executionTimeout() != null) {
      Duration limit = config.executionTimeout();
      Timer.Scheduled t;
      try {
        t = timer.schedule(limit, () -> {
          LOG.info("{}: {} exceeded its execution timeout of {} ms", name, c, limit.toMillis());
          cancelServing(c, cancelledReply(c));
        });
      } catch (RuntimeException e) {
        LOG.warn("{}: the timer refused the execution timeout of {}; it runs without one", name, c, e);
        t = () -> {};
      }
      synchronized (sched) {
        if (c.replied) {
          t.cancel();
        } else {
          c.executionTimeout = t;
        }
      }
    }
    if (!c.enter()) {
      exited(c);
      return;
    }
    if (c.upstream != null && !(c.handler instanceof PipeHost.DeferredCredit)) {
      if (c.handler instanceof StreamAdapter) {
        c.upstream.open(true); // the caller may send once the handler runs
      } else {
        c.upstream.cancel(); // a unary handler never reads it: nothing is buffered for it
      }
    }
    Object result;
    Throwable failure = null;
    CURRENT.set(c);
    try {
      result = c.handler.handle(c, new io.callosum.Body(c.body, config.codec()));
    } catch (Throwable t) {
      result = null;
      failure = t;
    } finally {
      CURRENT.remove();
      c.leave();
    }
    if (failure == null && result instanceof CompletionStage) {
      CompletableFuture<?> stage;
      try {
        stage = ((CompletionStage<?>) result).toCompletableFuture();
      } catch (RuntimeException e) {
        complete(c, null, e);
        return;
      }
      if (!c.attach(stage)) {
        stage.cancel(true);
      }
      stage.whenComplete((v, e) -> complete(c, v, e));
      return;
    }
    complete(c, result, failure);
  }

  /** The handler is done: reply (whatever goes wrong while building the reply) and free its resources. */
  private void complete(ServerCall c, Object value, Throwable failure) {
    try {
      endServerStreams(c, failure == null ? null : new CallCancelledException("the handler of " + c.header.method() + " failed", null, false));
    } catch (RuntimeException e) {
      LOG.warn("{}: ending the streams of {} failed", name, c, e);
    }
    try {
      finish(c, value, failure);
    } catch (Throwable t) {
      LOG.error("{}: failed to build the reply of {}", name, c, t);
      replied(c, errorEnvelope(c.header, ErrorMessage.ERROR, ErrorNames.framework(ErrorNames.INTERNAL, "failed to build the reply: " + t.getClass().getName())));
    } finally {
      exited(c);
    }
  }

  /** Builds the reply for a handler's outcome and hands it to ordering. */
  private void finish(ServerCall c, Object value, Throwable failure) {
    if (c.isCancelled()) {
      return; // CANCELLED was already sent (or the caller is gone)
    }
    Envelope reply;
    while ((failure instanceof CompletionException || failure instanceof ExecutionException) && failure.getCause() != null) {
      failure = failure.getCause();
    }
    if (failure instanceof CodecException) {
      reply = errorEnvelope(c.header, ErrorMessage.ERROR, ErrorNames.framework(ErrorNames.CODEC_ERROR, failure.getMessage()));
    } else if (failure != null) {
      reply = errorEnvelope(c.header, ErrorMessage.FAILURE, ErrorNames.describe(failure));
    } else {
      byte[] bytes;
      try {
        bytes = value instanceof Payload ? ((Payload) value).bytes() : config.codec().encode(value);
      } catch (CodecException e) {
        LOG.warn("{}: cannot encode the result of {}: {}", name, c.header.method(), e.getMessage());
        replied(c, errorEnvelope(c.header, ErrorMessage.ERROR, ErrorNames.framework(
            ErrorNames.CODEC_ERROR, "cannot encode the result of " + c.header.method() + ": " + e.getMessage())));
        return;
      }
      boolean zip = config.compressReplies();
      Header h = c.header.reply(MessageType.RESULT);
      Header result = zip ? new Header(h.type(), h.method(), h.orderKey(), h.seq(), true, List.of()) : h;
      byte[] header = MessageCodec.encodeHeader(result);
      c.resultHeader = result;
      long size = header.length + MessageCodec.bodyFrameSize(1, bytes.length);
      if (size > limits.maxMessageSize()) {
        reply = errorEnvelope(c.header, ErrorMessage.ERROR, ErrorNames.framework(ErrorNames.MESSAGE_TOO_LARGE,
            "the result of " + c.header.method() + " is " + size + " bytes, more than the limit of " + limits.maxMessageSize()));
      } else {
        reply = new Envelope(header, MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, bytes, zip));
      }
    }
    replied(c, reply);
  }

  private enum ErrorMessage {
    FAILURE,
    ERROR
  }

  private static Envelope errorEnvelope(Header request, ErrorMessage kind, String[] meta) {
    MessageType t = kind == ErrorMessage.FAILURE ? MessageType.FAILURE : MessageType.ERROR;
    return new Envelope(
        MessageCodec.encodeHeader(request.reply(t)),
        MessageCodec.encodeBody(MessageCodec.encodeErrorMeta(meta[0], meta[1], meta[2]), null, false));
  }

  private static Envelope cancelledReply(ServerCall c) {
    return new Envelope(
        MessageCodec.encodeHeader(c.header.reply(MessageType.CANCELLED)),
        MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, null, false));
  }

  /**
   * The call's reply is ready ({@code reply} null: nobody to send it to). Sends it, or, under
   * return ordering, queues it until the replies of earlier calls on its key have left.
   */
  private void replied(ServerCall c, Envelope reply) {
    try {
      repliedLocked(c, reply);
    } finally {
      drainOutcomes(); // interceptors, outside the scheduler lock
    }
  }

  /**
   * Runs queued callee-side interceptor calls, one thread at a time and in the order the replies
   * left (they are queued under the scheduler lock).
   */
  private void drainOutcomes() {
    while (!outcomes.isEmpty()) {
      if (!drainingOutcomes.compareAndSet(false, true)) {
        return; // another thread is draining and will see ours
      }
      try {
        Runnable r;
        while ((r = outcomes.poll()) != null) {
          r.run();
        }
      } finally {
        drainingOutcomes.set(false);
      }
    }
  }

  private void repliedLocked(ServerCall c, Envelope reply) {
    synchronized (sched) {
      if (c.replied) {
        return;
      }
      c.replied = true;
      if (c.executionTimeout != null) {
        c.executionTimeout.cancel();
        c.executionTimeout = null;
      }
      c.remote.serving.remove(c.serveKey, c);
      if (ordering == Ordering.KEY_RETURN_ORDERED && !c.nested) {
        KeyState ks = keys.get(c.header.orderKey());
        if (ks != null && ks.replies.contains(c)) {
          c.reply = reply;
          if (reply != null) {
            c.bufferedBytes += reply.size();
            buffered += reply.size();
          }
          while (!ks.replies.isEmpty() && ks.replies.peek().replied) {
            ServerCall head = ks.replies.poll();
            transmit(head, head.reply);
            if (head.reply != null) {
              head.bufferedBytes -= head.reply.size();
              buffered -= head.reply.size();
            }
            head.reply = null;
          }
          removeIfIdle(c.header.orderKey(), ks);
          return;
        }
      }
      transmit(c, reply);
    }
  }

  /** Sends a reply (under the scheduler lock, so that ordered replies leave in order). */
  private void transmit(ServerCall c, Envelope reply) {
    long out = 0;
    if (reply != null && c.remote.connected) {
      try {
        if (c.resultHeader != null && (ordering == Ordering.NONE || c.nested)) {
          // Under an ordering, a chunked RESULT would be overtaken by the next reply of its key.
          try {
            sendPossiblyChunked(c.remote, c.resultHeader, reply, Chunks.REPLY);
          } catch (OverloadedException e) {
            LOG.warn("{}: the result of {} is refused: {}", name, c, e.getMessage());
            reply = errorEnvelope(c.header, ErrorMessage.ERROR, ErrorNames.framework(ErrorNames.OVERLOADED, e.getMessage()));
            c.remote.link.send(reply);
          }
        } else {
          c.remote.link.send(reply);
        }
        out = reply.size();
      } catch (RuntimeException e) {
        LOG.debug("{}: reply to {} not sent: {}", name, c, e.getMessage());
      }
    }
    if (!interceptors.isEmpty()) {
      ErrorCode code = reply == null ? ErrorCode.CONNECTION_LOST : outcomeOf(reply);
      CallOutcome outcome = new CallOutcome(code, null, Duration.ofNanos(timer.nanoTime() - c.startNanos), out, c.bytesIn);
      outcomes.add(() -> finished(c.info, outcome));
    }
  }

  private static ErrorCode outcomeOf(Envelope reply) {
    // encodeHeader always starts with fixmap, fixstr "type", then the type as a positive fixint.
    int type = reply.header()[6];
    switch (MessageType.of(type)) {
      case RESULT:
        return null;
      case FAILURE:
        return ErrorCode.REMOTE_USER_ERROR;
      case CANCELLED:
        return ErrorCode.CANCELLED;
      default:
        return ErrorCode.REMOTE_INTERNAL_ERROR;
    }
  }

  /** The handler is gone: frees its slot and its key, starting whoever waited for them. */
  private void exited(ServerCall c) {
    List<ServerCall> toStart = new ArrayList<>(1);
    synchronized (sched) {
      if (c.state == ServerCall.State.EXITED) {
        return;
      }
      c.state = ServerCall.State.EXITED;
      admitted--;
      buffered -= charge(c);
      c.bufferedBytes -= charge(c);
      if (c.holdsSlot) {
        c.holdsSlot = false;
        running--;
        while (running < limits.maxConcurrentCalls() && !ready.isEmpty()) {
          ServerCall next = ready.poll();
          running++;
          next.holdsSlot = true;
          next.state = ServerCall.State.RUNNING;
          toStart.add(next);
        }
      }
      if (ordering == Ordering.KEY_SERIALIZED && !c.nested) {
        KeyState ks = keys.get(c.header.orderKey());
        if (ks != null && ks.running == c) {
          ks.running = ks.waiting.poll();
          if (ks.running != null) {
            admitSlot(ks.running, toStart);
          }
          removeIfIdle(c.header.orderKey(), ks);
        }
      }
    }
    start(toStart);
  }

  private void removeIfIdle(OrderKey key, KeyState ks) {
    if (ks.idle()) {
      keys.remove(key, ks);
    }
  }

  /**
   * Cancels a call being served: a queued call is removed without running, a running one is
   * interrupted. {@code reply} (CANCELLED, or null when the caller is gone) is sent at once.
   */
  private void cancelServing(ServerCall c, Envelope reply) {
    boolean exitNow = false;
    synchronized (sched) {
      if (c.replied && c.state == ServerCall.State.EXITED) {
        return;
      }
      switch (c.state) {
        case QUEUED_KEY: {
          KeyState ks = keys.get(c.header.orderKey());
          if (ks != null) {
            ks.waiting.remove(c);
          }
          exitNow = true;
          break;
        }
        case QUEUED_SLOT:
          ready.remove(c);
          exitNow = true;
          break;
        default:
          break;
      }
    }
    c.cancel(callbackExecutor);
    endServerStreams(c, new CallCancelledException("the call of " + c.header.method() + " was cancelled", null, false));
    replied(c, reply);
    if (exitNow) {
      exited(c);
    }
  }

  private void onCancel(RemoteLink r, Header h) {
    ServerCall c = r.serving.get(new ServeKey(h.seq(), h.method(), h.orderKey()));
    if (c == null) {
      if (dropChunksIn(r, Chunks.key(h.seq(), Chunks.REQUEST), false)) {
        LOG.debug("{}: CANCEL from {} for {} seq {} while its chunks arrived", name, r.id(), h.method(), h.seq());
        return;
      }
      LOG.debug("{}: CANCEL from {} for a call not in progress ({} seq {})", name, r.id(), h.method(), h.seq());
      return;
    }
    cancelServing(c, cancelledReply(c));
  }

  private void sendError(RemoteLink r, Header request, String errorName, String message) {
    try {
      r.link.send(errorEnvelope(request, ErrorMessage.ERROR, ErrorNames.framework(errorName, message)));
    } catch (RuntimeException e) {
      LOG.debug("{}: error reply to {} not sent: {}", name, r.id(), e.getMessage());
    }
  }

  // ---------------------------------------------------------------- caller side

  <T> CompletableFuture<T> invoke(RemoteLink r, String method, OrderKey okey, Duration timeout, boolean zip, Object body, Type type, ServerCall parent) {
    return invoke(r, method, okey, timeout, zip, body, type, parent, 0, null);
  }

  /**
   * Makes a call with streams ({@code streams}: {@link Header#UPSTREAM}, {@link
   * Header#DOWNSTREAM} or both). A failure to make it fails the result and ends both streams.
   */
  io.callosum.StreamCall openStream(RemoteLink r, String method, OrderKey okey, Duration timeout, boolean zip, Object body, int streams, ServerCall parent) {
    ClientCall[] made = new ClientCall[1];
    CompletableFuture<Object> result = invoke(r, method, okey, timeout, zip, body, Object.class, parent, streams, c -> {
      Header call = new Header(MessageType.FUNCTION, method, okey, c.seq, false, List.of());
      c.upstream = new StreamOut(new StreamWire(r, call, Header.UPSTREAM), config.codec(), limits.maxMessageSize(), callbackExecutor,
          (streams & Header.UPSTREAM) != 0);
      StreamWire down = new StreamWire(r, call, Header.DOWNSTREAM);
      if ((streams & Header.DOWNSTREAM) != 0) {
        c.downstream = new StreamIn(down, config.codec(), config.streamWindowItems(), config.streamWindowBytes(), callbackExecutor);
        c.downstream.open(false); // granted in the FUNCTION header
      } else {
        c.downstream = StreamIn.ended(down, config.codec(), callbackExecutor, null);
      }
      made[0] = c;
    });
    if (made[0] == null) {
      // Refused before a call existed: both streams end with the same error.
      Throwable error = result.handle((v, e) -> e).join();
      CallosumException failure = error instanceof CallosumException ? (CallosumException) error
          : new CallosumException(ErrorCode.BAD_MESSAGE, String.valueOf(error));
      Header call = new Header(MessageType.FUNCTION, method, okey, 0, false, List.of());
      StreamOut up = new StreamOut(new StreamWire(r, call, Header.UPSTREAM), config.codec(), limits.maxMessageSize(), callbackExecutor, true);
      up.stop(failure);
      return new StreamCallImpl(up, StreamIn.ended(new StreamWire(r, call, Header.DOWNSTREAM), config.codec(), callbackExecutor, failure), result);
    }
    if ((streams & Header.UPSTREAM) == 0) {
      made[0].upstream.complete(); // nothing to send: a no-op for a stream that was never opened
    }
    return new StreamCallImpl(made[0].upstream, made[0].downstream, result);
  }

  @SuppressWarnings("unchecked")
  private <T> CompletableFuture<T> invoke(RemoteLink r, String method, OrderKey okey, Duration timeout, boolean zip, Object body, Type type,
      ServerCall parent, int streams, java.util.function.Consumer<ClientCall> prepare) {
    if (closed) {
      return CompletableFuture.failedFuture(new ConnectionLostException("peer is closed"));
    }
    if (r == null || !r.connected) {
      return CompletableFuture.failedFuture(new ConnectionLostException("not connected" + (r != null ? " to " + r.id() : "")));
    }
    if (streams != 0 && !r.capabilities.has(Capabilities.STREAM)) {
      return CompletableFuture.failedFuture(new io.callosum.UnsupportedByRemoteException("the remote " + r.id()
          + (r.capabilities.isLegacy() ? " is a Python Callosum peer (it announced nothing)" : " did not announce streams")
          + ": " + method + " cannot be called with streams"));
    }
    if (okey.encodedSize() > limits.maxOrderKeySize()) {
      return CompletableFuture.failedFuture(new MessageTooLargeException(
          "order key of " + okey.encodedSize() + " bytes exceeds the limit of " + limits.maxOrderKeySize()));
    }
    if (parent == null) {
      parent = CURRENT.get();
    }
    byte[] bodyBytes;
    try {
      bodyBytes = body instanceof Payload ? ((Payload) body).bytes() : config.codec().encode(body);
    } catch (CodecException e) {
      return CompletableFuture.failedFuture(e);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(new CodecException("the codec failed: " + e, e));
    }
    long s = seq.getAndIncrement() & Header.MAX_SEQ;
    // A callback carries its ancestry to remotes that understand it (see ORDERING.md). A call
    // served by another peer in this JVM only passes its chain on: its state is not ours to read.
    ServerCall own = parent != null && parent.remote.engine == this ? parent : null;
    List<CallId> chain = List.of();
    long token = 0;
    if (parent != null && r.capabilities.has(Capabilities.CHAIN)) {
      if (own != null) {
        do {
          token = TOKENS.nextLong();
        } while (token == 0 || callbacks.containsKey(token));
        chain = parent.childChain(new CallId(token, s), limits.maxCallChain());
      } else {
        chain = parent.chain;
      }
    }
    if (token == 0) {
      own = null;
    }
    Header function = streams == 0 ? new Header(MessageType.FUNCTION, method, okey, s, zip, chain)
        : new Header(MessageType.FUNCTION, method, okey, s, zip, chain, streams,
            (streams & Header.DOWNSTREAM) != 0 ? config.streamWindowItems() : 0,
            (streams & Header.DOWNSTREAM) != 0 ? config.streamWindowBytes() : 0);
    byte[] header = MessageCodec.encodeHeader(function);
    long size = header.length + MessageCodec.bodyFrameSize(0, bodyBytes.length);
    if (header.length > limits.maxHeaderSize() || size > limits.maxMessageSize()) {
      return CompletableFuture.failedFuture(new MessageTooLargeException("call of " + method + " is " + size
          + " bytes (header " + header.length + "), more than the limit of " + limits.maxMessageSize()
          + " (header " + limits.maxHeaderSize() + ")"));
    }
    if (pendingCount.incrementAndGet() > limits.maxPendingCalls()) {
      pendingCount.decrementAndGet();
      return CompletableFuture.failedFuture(new OverloadedException(
          limits.maxPendingCalls() + " calls already in flight (Limits.maxPendingCalls)"));
    }
    Envelope env = new Envelope(header, MessageCodec.encodeBody(MessageCodec.NO_META, bodyBytes, zip));
    ClientCall c = new ClientCall(r, s, method, okey, type, new CallInfo(CallInfo.Side.CALLER, method, okey, r),
        timer.nanoTime(), env.size(), own, token);
    if (prepare != null) {
      prepare.accept(c); // its streams exist before anything about them can arrive
    }
    if (c.parent != null) {
      callbacks.put(token, c); // before pending: a disconnect sweep that finds the call also finds this
    }
    if (r.pending.putIfAbsent(s, c) != null) {
      // 2^32 calls later, an older one with this seq still waits for its reply.
      if (c.parent != null) {
        callbacks.remove(token, c);
      }
      pendingCount.decrementAndGet();
      OverloadedException busy = new OverloadedException("sequence number " + s + " is still in use");
      endClientStreams(c, busy);
      return CompletableFuture.failedFuture(busy);
    }
    started(c.info);
    try {
      sendPossiblyChunked(r, function, env, Chunks.REQUEST);
    } catch (RuntimeException e) {
      if (unpend(c)) {
        settle(c, null, e instanceof CallosumException ? (CallosumException) e
            : new ConnectionLostException("send failed: " + e.getMessage(), e), 0);
      }
    }
    if (!r.connected && unpend(c)) {
      // The remote went away while we registered: its disconnect sweep may have missed us.
      settle(c, null, new ConnectionLostException("connection to " + r.id() + " lost"), 0);
    }
    // Scheduled after sending, so that a CANCEL can never overtake its FUNCTION.
    if (timeout != null) {
      Timer.Scheduled t;
      try {
        t = timer.schedule(timeout, () -> timedOut(c, timeout));
      } catch (RuntimeException e) {
        if (unpend(c)) {
          sendCancel(c);
          settle(c, null, new CallCancelledException("call abandoned: the timer refused its timeout: " + e, e), 0);
        }
        return (CompletableFuture<T>) c.future;
      }
      c.timeout = t;
      if (r.pending.get(s) != c) {
        t.cancel(); // already settled: settle() may have run before the timer was recorded
      }
    }
    return (CompletableFuture<T>) c.future;
  }

  /** Takes {@code c} out of the pending tables; true for the one caller that gets to settle it. */
  private boolean unpend(ClientCall c) {
    if (!c.remote.pending.remove(c.seq, c)) {
      return false;
    }
    pendingCount.decrementAndGet();
    if (!c.remote.chunksOut.isEmpty() || !c.remote.chunksIn.isEmpty()) {
      stopChunksOut(c.remote, Chunks.key(c.seq, Chunks.REQUEST));
      dropChunksIn(c.remote, Chunks.key(c.seq, Chunks.REPLY), true);
    }
    if (c.parent != null) {
      callbacks.remove(c.token, c);
    }
    return true;
  }

  private void timedOut(ClientCall c, Duration timeout) {
    if (unpend(c)) {
      sendCancel(c);
      settle(c, null, new CallTimeoutException("call of " + c.method + " timed out after " + timeout.toMillis() + " ms"), 0);
    }
  }

  void cancelledLocally(ClientCall c) {
    if (unpend(c)) {
      Timer.Scheduled t = c.timeout;
      if (t != null) {
        t.cancel();
      }
      sendCancel(c);
      endClientStreams(c, new CallCancelledException("the call of " + c.method + " was cancelled"));
      finished(c.info, new CallOutcome(ErrorCode.CANCELLED, null, Duration.ofNanos(timer.nanoTime() - c.startNanos), c.bytesOut, 0));
    }
  }

  private void sendCancel(ClientCall c) {
    if (!c.remote.connected) {
      return;
    }
    try {
      c.remote.link.send(new Envelope(
          MessageCodec.encodeHeader(new Header(MessageType.CANCEL, c.method, c.orderKey, c.seq, false, List.of())),
          MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, null, false)));
    } catch (RuntimeException e) {
      LOG.debug("{}: CANCEL for {} not sent: {}", name, c.method, e.getMessage());
    }
  }

  private static boolean matches(ClientCall c, Header h) {
    return c.method.equals(h.method()) && c.orderKey.equals(h.orderKey());
  }

  /** Removes and returns the pending call {@code reply} answers, or null (unknown, finished, or another meth/okey). */
  private ClientCall takePending(RemoteLink r, Header reply) {
    ClientCall c = r.pending.get(reply.seq());
    if (c == null || !matches(c, reply)) {
      LOG.debug("{}: reply from {} for an unknown or finished call ({} seq {})", name, r.id(), reply.method(), reply.seq());
      return null;
    }
    return unpend(c) ? c : null;
  }

  private void onReply(RemoteLink r, Header h, Envelope env) {
    ClientCall c = takePending(r, h);
    if (c == null) {
      return;
    }
    MessageCodec.BodyFrame frame;
    try {
      frame = MessageCodec.decodeBody(env.body(), h.zip(), limits.maxMessageSize() - env.header().length);
    } catch (BadMessageException e) {
      LOG.warn("{}: bad reply from {} for {}: {}", name, r.id(), h.method(), e.getMessage());
      settle(c, null, new CallosumException(ErrorCode.BAD_MESSAGE, "malformed reply: " + e.getMessage()), env.size());
      return;
    }
    switch (h.type()) {
      case RESULT:
        if (frame.body() == null) {
          settle(c, null, new CallosumException(ErrorCode.BAD_MESSAGE, "malformed reply: RESULT with a nil body"), env.size());
        } else {
          settle(c, frame.body(), null, env.size());
        }
        break;
      case FAILURE:
      case ERROR:
        settle(c, null, ErrorNames.toException(h.type() == MessageType.FAILURE, MessageCodec.decodeErrorMeta(frame.meta())), env.size());
        break;
      default:
        settle(c, null, ErrorNames.cancelledByRemote(h.method()), env.size());
    }
  }

  /** Completes a call that has left the pending table, on the callback executor. */
  private void settle(ClientCall c, byte[] result, CallosumException error, long bytesIn) {
    Timer.Scheduled t = c.timeout;
    if (t != null) {
      t.cancel();
    }
    endClientStreams(c, error);
    onCallbackThread(() -> {
      Throwable failure = error;
      Object value = null;
      if (failure == null) {
        try {
          value = c.resultType == null ? Payload.wrap(result) : config.codec().decode(result, c.resultType);
        } catch (CodecException e) {
          failure = e;
        } catch (Throwable e) {
          failure = new CodecException("the codec failed: " + e, e); // even an Error: the future must complete
        }
      }
      finished(c.info, new CallOutcome(failure == null ? null : ErrorNames.codeOf(failure), failure,
          Duration.ofNanos(timer.nanoTime() - c.startNanos), c.bytesOut, bytesIn));
      if (failure == null) {
        c.future.complete(value);
      } else {
        c.future.completeExceptionally(failure);
      }
    });
  }

  // ---------------------------------------------------------------- interceptors

  private void started(CallInfo info) {
    for (CallInterceptor i : interceptors) {
      try {
        i.started(info);
      } catch (Throwable e) {
        LOG.warn("interceptor {} failed", i, e);
      }
    }
  }

  private void finished(CallInfo info, CallOutcome outcome) {
    for (CallInterceptor i : interceptors) {
      try {
        i.finished(info, outcome);
      } catch (Throwable e) {
        LOG.warn("interceptor {} failed", i, e);
      }
    }
  }

  @Override
  public String toString() {
    return "Peer(" + name + ", " + (config.bind() ? "bound at " : "connected to ") + address() + ")";
  }
}
