package io.callosum.internal;

import io.callosum.CallCancelledException;
import io.callosum.CallInfo;
import io.callosum.CallInfo.Side;
import io.callosum.CallInterceptor;
import io.callosum.CallOutcome;
import io.callosum.CallTimeoutException;
import io.callosum.CallosumException;
import io.callosum.CodecException;
import io.callosum.ConnectionLostException;
import io.callosum.ErrorCode;
import io.callosum.Limits;
import io.callosum.MessageTooLargeException;
import io.callosum.Metadata;
import io.callosum.OverloadedException;
import io.callosum.Payload;
import io.callosum.Reply;
import io.callosum.ShuttingDownException;
import io.callosum.StreamCall;
import io.callosum.Timer;
import io.callosum.UnsupportedByRemoteException;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.upper.Codec;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The caller side: makes calls ({@link CallRequest} in, future or stream call out), keeps them in
 * their remote's {@code pending} table until their reply, timeout, cancel or disconnect settles
 * them, and keeps the table of callbacks in flight by chain token (what a callee reads call chains
 * against, see ORDERING.md).
 *
 * <p>Calls are made on any application thread; replies arrive on the lower's I/O thread; timeouts
 * fire on the timer; a future is cancelled on any thread. Exactly one of them takes a call out of
 * the pending table ({@link #unpend}) and settles it; futures complete on the callback executor, or
 * on the caller's own thread when it is blocked waiting for the future.
 */
final class OutgoingCalls {
  private static final Logger LOG = LoggerFactory.getLogger(OutgoingCalls.class);

  /** Mints the unguessable ids of this peer's callbacks in call chains. */
  private static final SecureRandom TOKENS = new SecureRandom();

  private final String name;
  private final DropLog drops;
  private final Codec codec;
  private final Limits limits;
  private final Duration defaultTimeout;
  private final Timer timer;
  private final PeerResources threads;
  private final Interceptors interceptors;
  private final ChunkTransfers chunks;
  private final StreamRouting streams;
  private final BooleanSupplier closed;
  private final Drain drain;
  private final AtomicLong seq = new AtomicLong();
  private final AtomicInteger pendingCount = new AtomicInteger();

  /**
   * Callbacks in flight, by their chain token: calls this peer made from inside a call it serves.
   */
  private final Map<Long, ClientCall> callbacks = new ConcurrentHashMap<>();

  OutgoingCalls(
      String name,
      DropLog drops,
      PeerConfig config,
      PeerResources threads,
      Interceptors interceptors,
      ChunkTransfers chunks,
      StreamRouting streams,
      BooleanSupplier closed,
      Drain drain) {
    this.name = name;
    this.drops = drops;
    this.codec = config.codec();
    this.limits = config.limits();
    this.defaultTimeout = config.defaultTimeout();
    this.timer = threads.timer;
    this.threads = threads;
    this.interceptors = interceptors;
    this.chunks = chunks;
    this.streams = streams;
    this.closed = closed;
    this.drain = drain;
  }

  /** The timeout of calls that set none (null: none). */
  Duration defaultTimeout() {
    return defaultTimeout;
  }

  // ---------------------------------------------------------------- making calls (any thread)

  @SuppressWarnings("unchecked")
  <T> CompletableFuture<T> invoke(CallRequest request) {
    try {
      return (CompletableFuture<T>) make(request).future;
    } catch (CallosumException refused) {
      return CompletableFuture.failedFuture(refused);
    }
  }

  /** A call with streams; one refused before it was made fails its result and ends both streams. */
  StreamCall openStream(CallRequest request) {
    try {
      return StreamRouting.of(make(request));
    } catch (CallosumException refused) {
      return streams.refused(request, refused);
    }
  }

  /**
   * Makes and sends the call. Throws if it is refused before it exists (closed, not connected, too
   * big, too many in flight, its parent's deadline passed, ...); once it exists every failure
   * settles it instead. Interceptors' listeners hear a refusal after {@link Interceptors#sending}.
   */
  private ClientCall make(CallRequest request) {
    RemoteLink r = request.target();
    check(request, r);
    ServerCall parent = request.parent() != null ? request.parent() : CurrentCall.get();
    long timeoutNanos = request.timeout() == null ? -1 : saturatedNanos(request.timeout());
    long parentLeft = parent == null ? ServerCall.NO_DEADLINE : parent.nanosLeft();
    boolean inherited = false;
    if (parentLeft != ServerCall.NO_DEADLINE) {
      if (parentLeft <= 0) {
        throw new CallTimeoutException(
            "call of "
                + request.method()
                + " not sent: the deadline of the call it is made from ("
                + parent.method()
                + ") has passed");
      }
      if (timeoutNanos < 0 || parentLeft < timeoutNanos) {
        timeoutNanos = parentLeft;
        inherited = true;
      }
    }
    CallInfo info = new CallInfo(Side.CALLER, request.method(), request.orderKey(), r);
    Metadata metadata = request.metadata();
    List<CallInterceptor.Listener> listeners = null;
    if (!interceptors.isEmpty()) {
      Metadata.Builder b = metadata.toBuilder();
      listeners = interceptors.sending(info, b);
      metadata = b.build();
    }
    try {
      return make(request, r, parent, info, metadata, timeoutNanos, inherited, listeners);
    } catch (CallosumException refused) {
      if (listeners != null) {
        Interceptors.finished(
            listeners, new CallOutcome(refused.code(), refused, Duration.ZERO, 0, 0));
      }
      throw refused;
    }
  }

  /** A timeout in nanoseconds, at most {@link Long#MAX_VALUE}. */
  private static long saturatedNanos(Duration d) {
    return d.compareTo(MAX_NANOS) >= 0 ? Long.MAX_VALUE : d.toNanos();
  }

  private static final Duration MAX_NANOS = Duration.ofNanos(Long.MAX_VALUE);

  /** The {@code dl} a call of {@code timeoutNanos} carries: milliseconds rounded up, 0 for none. */
  private static long deadlineMillis(long timeoutNanos) {
    if (timeoutNanos < 0) {
      return 0;
    }
    long millis = timeoutNanos / 1_000_000 + (timeoutNanos % 1_000_000 != 0 ? 1 : 0);
    return millis > Header.MAX_DEADLINE_MILLIS ? 0 : millis;
  }

  private ClientCall make(
      CallRequest request,
      RemoteLink r,
      ServerCall parent,
      CallInfo info,
      Metadata requested,
      long timeoutNanos,
      boolean inherited,
      List<CallInterceptor.Listener> listeners) {
    Metadata metadata = r.capabilities.has(Capabilities.METADATA) ? requested : Metadata.EMPTY;
    String over = MessageCodec.metadataOverLimits(metadata, limits);
    if (over != null) {
      throw new MessageTooLargeException("call of " + request.method() + " refused: " + over);
    }
    refuseWhileShuttingDown(request, r, parent);
    byte[] body = encode(request.body());
    long s = seq.getAndIncrement() & Header.MAX_SEQ;
    // A callback carries its ancestry to remotes that understand it (see ORDERING.md). A call
    // served by another peer in this JVM only passes its chain on: its state is not ours to read.
    ServerCall own = parent != null && parent.remote.calls == this ? parent : null;
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
    int streamBits = request.streams();
    boolean down = (streamBits & Header.DOWNSTREAM) != 0;
    Header function =
        new Header(
            MessageType.FUNCTION,
            request.method(),
            request.orderKey(),
            s,
            request.compress(),
            chain,
            streamBits,
            down ? streams.windowItems() : 0,
            down ? streams.windowBytes() : 0,
            0,
            metadata,
            r.capabilities.has(Capabilities.DEADLINE) ? deadlineMillis(timeoutNanos) : 0);
    byte[] header = MessageCodec.encodeHeader(function);
    long size = header.length + MessageCodec.bodyFrameSize(0, body.length);
    if (header.length > limits.maxHeaderSize() || size > limits.maxMessageSize()) {
      throw new MessageTooLargeException(
          "call of "
              + request.method()
              + " is "
              + size
              + " bytes (header "
              + header.length
              + "), more than the limit of "
              + limits.maxMessageSize()
              + " (header "
              + limits.maxHeaderSize()
              + ")");
    }
    if (pendingCount.incrementAndGet() > limits.maxPendingCalls()) {
      pendingCount.decrementAndGet();
      throw new OverloadedException(
          limits.maxPendingCalls() + " calls already in flight (Limits.maxPendingCalls)");
    }
    Envelope env =
        new Envelope(
            header, MessageCodec.encodeBody(MessageCodec.NO_META, body, request.compress()));
    ClientCall c =
        new ClientCall(
            request,
            s,
            info,
            timer.nanoTime(),
            env.size(),
            token == 0 ? null : own,
            token,
            listeners);
    if (streamBits != 0) {
      streams.open(c); // its streams exist before anything about them can arrive
    }
    register(c);
    interceptors.started(c.info);
    send(c, function, env);
    // Armed after sending, so that a CANCEL can never overtake its FUNCTION.
    if (timeoutNanos >= 0) {
      armTimeout(c, Duration.ofNanos(timeoutNanos), inherited);
    }
    return c;
  }

  /** Refuses a call that cannot be made to {@code r}. */
  private void check(CallRequest request, RemoteLink r) {
    if (closed.getAsBoolean()) {
      throw new ConnectionLostException("peer is closed");
    }
    if (r == null || !r.connected) {
      throw new ConnectionLostException("not connected" + (r != null ? " to " + r.id() : ""));
    }
    if (request.streams() != 0 && !r.capabilities.has(Capabilities.STREAM)) {
      throw new UnsupportedByRemoteException(
          "the remote "
              + r.id()
              + (r.capabilities.isLegacy()
                  ? " is a Python Callosum peer (it announced nothing)"
                  : " did not announce streams")
              + ": "
              + request.method()
              + " cannot be called with streams");
    }
    if (request.orderKey().encodedSize() > limits.maxOrderKeySize()) {
      throw new MessageTooLargeException(
          "order key of "
              + request.orderKey().encodedSize()
              + " bytes exceeds the limit of "
              + limits.maxOrderKeySize());
    }
  }

  /**
   * Refuses a new call while this peer or its remote shuts down. A callback, made while serving a
   * call of this peer, goes on: it is part of a call in flight, which the remote admits too.
   */
  private void refuseWhileShuttingDown(CallRequest request, RemoteLink r, ServerCall parent) {
    if (parent != null && parent.remote.calls == this) {
      return;
    }
    if (drain.isDraining()) {
      throw new ShuttingDownException(
          "this peer is shutting down: it makes no new calls (" + request.method() + " not sent)");
    }
    if (r.shuttingDown) {
      throw new ShuttingDownException(
          "the remote " + r.id() + " is shutting down: " + request.method() + " was not sent",
          null,
          true);
    }
  }

  private byte[] encode(Object body) {
    try {
      return body instanceof Payload payload ? payload.bytes() : codec.encode(body);
    } catch (CodecException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CodecException("the codec failed: " + e, e);
    }
  }

  /** Enters the call in the pending table (and a callback in the token table). */
  private void register(ClientCall c) {
    if (c.parent != null) {
      callbacks.put(
          c.token, c); // before pending: a disconnect sweep that finds the call also finds this
    }
    if (c.remote.pending.putIfAbsent(c.seq, c) != null) {
      // 2^32 calls later, an older one with this seq still waits for its reply.
      if (c.parent != null) {
        callbacks.remove(c.token, c);
      }
      pendingCount.decrementAndGet();
      OverloadedException busy =
          new OverloadedException("sequence number " + c.seq + " is still in use");
      StreamRouting.endClientStreams(c, busy);
      throw busy;
    }
  }

  private void send(ClientCall c, Header function, Envelope env) {
    try {
      chunks.send(c.remote, function, env, Chunks.REQUEST);
    } catch (RuntimeException e) {
      if (unpend(c)) {
        settle(
            c,
            null,
            e instanceof CallosumException callosumException
                ? callosumException
                : new ConnectionLostException("send failed: " + e.getMessage(), e),
            0);
      }
    }
    if (!c.remote.connected && unpend(c)) {
      // The remote went away while we registered: its disconnect sweep may have missed us.
      settle(c, null, new ConnectionLostException("connection to " + c.remote.id() + " lost"), 0);
    }
  }

  private void armTimeout(ClientCall c, Duration timeout, boolean inherited) {
    c.timeoutMessage =
        "call of "
            + c.method
            + " timed out after "
            + timeout.toMillis()
            + " ms"
            + (inherited ? " (the deadline of the call it was made from)" : "");
    Timer.Scheduled t;
    try {
      t = timer.schedule(timeout, () -> timedOut(c));
    } catch (RuntimeException e) {
      if (unpend(c)) {
        sendCancel(c);
        settle(
            c,
            null,
            new CallCancelledException("call abandoned: the timer refused its timeout: " + e, e),
            0);
      }
      return;
    }
    c.timeout = t;
    if (c.remote.pending.get(c.seq) != c) {
      t.cancel(); // already settled: settle() may have run before the timer was recorded
    }
  }

  // ---------------------------------------------------------------- ending calls

  /** Takes {@code c} out of the pending tables; true for the one caller that gets to settle it. */
  boolean unpend(ClientCall c) {
    if (!c.remote.pending.remove(c.seq, c)) {
      return false;
    }
    pendingCount.decrementAndGet();
    chunks.callEnded(c.remote, c.seq);
    if (c.parent != null) {
      callbacks.remove(c.token, c);
    }
    return true;
  }

  private void timedOut(ClientCall c) {
    if (unpend(c)) {
      sendCancel(c);
      settle(c, null, new CallTimeoutException(c.timeoutMessage), 0);
    }
  }

  /** The caller cancelled the future (any thread): the remote is told, the streams end. */
  void cancelledLocally(ClientCall c) {
    if (unpend(c)) {
      Timer.Scheduled t = c.timeout;
      if (t != null) {
        t.cancel();
      }
      sendCancel(c);
      StreamRouting.endClientStreams(
          c, new CallCancelledException("the call of " + c.method + " was cancelled"));
      if (!interceptors.isEmpty()) {
        CallOutcome outcome =
            new CallOutcome(
                ErrorCode.CANCELLED,
                null,
                Duration.ofNanos(timer.nanoTime() - c.startNanos),
                c.bytesOut,
                0);
        interceptors.finished(c.info, outcome);
        if (c.listeners != null) {
          Interceptors.finished(c.listeners, outcome);
        }
      }
      drain.check();
    }
  }

  private void sendCancel(ClientCall c) {
    if (!c.remote.connected) {
      return;
    }
    try {
      c.remote.link.send(Replies.cancel(c.method, c.orderKey, c.seq));
    } catch (RuntimeException e) {
      LOG.debug("{}: CANCEL for {} not sent: {}", name, c.method, e.getMessage());
    }
  }

  /**
   * Removes and returns the pending call {@code reply} answers, or null (unknown, finished, or
   * another meth/okey).
   */
  ClientCall takePending(RemoteLink r, Header reply) {
    ClientCall c = r.pending.get(reply.seq());
    if (c == null || !c.answeredBy(reply)) {
      LOG.debug(
          "{}: reply from {} for an unknown or finished call ({} seq {})",
          name,
          r.id(),
          reply.method(),
          reply.seq());
      return null;
    }
    return unpend(c) ? c : null;
  }

  /**
   * Fails the call {@code reply} was for, if it is still pending: its reply was refused or
   * malformed.
   */
  void fail(RemoteLink r, Header reply, CallosumException error, long bytesIn) {
    ClientCall c = takePending(r, reply);
    if (c != null) {
      settle(c, null, error, bytesIn);
    }
  }

  /** A reply (I/O thread): settles its call with the result or the error it carries. */
  void received(RemoteLink r, Header h, Envelope env) {
    ClientCall c = takePending(r, h);
    if (c == null) {
      return;
    }
    MessageCodec.BodyFrame frame;
    try {
      frame =
          MessageCodec.decodeBody(
              env.body(),
              h.zip(),
              limits.maxMessageSize() - env.header().length,
              limits.maxElements());
    } catch (BadMessageException e) {
      drops.warn("{}: bad reply from {} for {}: {}", name, r.id(), h.method(), e.getMessage());
      settle(
          c,
          null,
          new CallosumException(ErrorCode.BAD_MESSAGE, "malformed reply: " + e.getMessage()),
          env.size());
      return;
    }
    Metadata md = r.capabilities.has(Capabilities.METADATA) ? h.metadata() : Metadata.EMPTY;
    switch (h.type()) {
      case RESULT -> {
        if (frame.payload() == null) {
          settle(
              c,
              null,
              new CallosumException(
                  ErrorCode.BAD_MESSAGE, "malformed reply: RESULT with a nil body"),
              env.size());
        } else {
          settle(c, frame.body(), md, null, env.size());
        }
      }
      case FAILURE, ERROR -> {
        CallosumException error =
            ErrorNames.toException(
                h.type() == MessageType.FAILURE, MessageCodec.decodeErrorMeta(frame.meta()), md);
        if (error instanceof CallTimeoutException && c.timeoutMessage != null) {
          // The callee stopped at the deadline this call carried, a moment before (or after) our
          // own timer: the caller sees one timeout message, whichever side saw it first
          // (isRemote() says which).
          error = new CallTimeoutException(c.timeoutMessage, null, true);
        }
        settle(c, null, error, env.size());
      }
      default -> settle(c, null, ErrorNames.cancelledByRemote(h.method()), env.size());
    }
  }

  /** The remote is gone: every call still pending to it fails with {@code error}. */
  void disconnected(RemoteLink r, ConnectionLostException error) {
    for (ClientCall c : new ArrayList<>(r.pending.values())) {
      if (unpend(c)) {
        settle(c, null, error, 0);
      }
    }
  }

  /**
   * Completes a call that has left the pending table: on the thread blocked waiting for its future,
   * which takes its own reply ({@link ClientCall.Future#handOff}), when the callback executor is
   * the peer's own; else on the callback executor.
   */
  private void settle(ClientCall c, byte[] result, CallosumException error, long bytesIn) {
    settle(c, result, Metadata.EMPTY, error, bytesIn);
  }

  private void settle(
      ClientCall c, byte[] result, Metadata md, CallosumException error, long bytesIn) {
    Timer.Scheduled t = c.timeout;
    if (t != null) {
      t.cancel();
    }
    StreamRouting.endClientStreams(c, error);
    Runnable settlement =
        () -> {
          Throwable failure = error;
          Object value = null;
          if (failure == null) {
            try {
              value =
                  c.resultType == null ? Payload.wrap(result) : codec.decode(result, c.resultType);
              if (c.withReply) {
                value = new Reply<>(value, md);
              }
            } catch (CodecException e) {
              failure = e;
            } catch (Throwable e) {
              failure =
                  new CodecException(
                      "the codec failed: " + e, e); // even an Error: the future must complete
            }
          }
          if (!interceptors.isEmpty()) {
            CallOutcome outcome =
                new CallOutcome(
                    failure == null ? null : ErrorNames.codeOf(failure),
                    failure,
                    Duration.ofNanos(timer.nanoTime() - c.startNanos),
                    c.bytesOut,
                    bytesIn);
            interceptors.finished(c.info, outcome);
            if (c.listeners != null) {
              Interceptors.finished(c.listeners, outcome);
            }
          }
          if (failure == null) {
            c.future.complete(value);
          } else {
            c.future.completeExceptionally(failure);
          }
        };
    if (!threads.handsCompletionsToWaiters() || !c.future.handOff(settlement)) {
      threads.onCallbackThread(settlement);
    }
    drain.check();
  }

  // ---------------------------------------------------------------- call chains

  /**
   * The calls this peer serves that are ancestors of a call arriving with {@code chain}: those from
   * inside which a callback named in the chain is still in flight. Only ids minted here count (a
   * random 64-bit token, so a remote cannot guess one it was not given), and only while their
   * callback is in flight; the ancestry is known for callers of any kind, Python ones included.
   */
  List<ServerCall> ancestorsOf(List<CallId> chain) {
    List<ServerCall> ancestors = List.of();
    for (CallId id : chain) {
      ClientCall callback = callbacks.get(id.instance());
      if (callback != null && callback.seq == id.seq() && callback.parent != null) {
        if (ancestors.isEmpty()) {
          ancestors = new ArrayList<>(2);
        }
        ancestors.add(callback.parent);
      }
    }
    return ancestors;
  }

  /** Entries in the caller-side tables beyond the remotes' own (for the leak checks of tests). */
  int entries() {
    return pendingCount.get() + callbacks.size();
  }
}
