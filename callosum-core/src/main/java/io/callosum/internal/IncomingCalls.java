package io.callosum.internal;

import io.callosum.CallCancelledException;
import io.callosum.CallOutcome;
import io.callosum.ErrorCode;
import io.callosum.Handler;
import io.callosum.Limits;
import io.callosum.Metadata;
import io.callosum.OverloadedException;
import io.callosum.StreamHandler;
import io.callosum.Timer;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.upper.Codec;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The callee side: serves the calls remotes make to this peer. It finds each call's handler, asks
 * the {@link CalleeScheduler} when the call may run, runs the handler on the handler executor,
 * turns its outcome into a reply and sends the replies the scheduler releases.
 *
 * <p>Calls and CANCELs arrive on the lower's I/O thread ({@link #received}, {@link #cancelled});
 * handlers run and reply on handler threads (or on the callback executor, for asynchronous ones);
 * execution timeouts fire on the timer; {@link #disconnected} runs on whichever thread sees the
 * remote go. Every scheduling decision is taken under one lock, {@code sched}; the replies it
 * releases are queued under it, in the order they must leave, and sent outside it one thread at a
 * time in that order ({@link SerialQueue}), so that a handler thread writing its reply to a socket
 * never holds up the I/O thread admitting the next calls. Handlers are started and interceptors
 * called outside it.
 */
final class IncomingCalls {
  private static final Logger LOG = LoggerFactory.getLogger(IncomingCalls.class);

  /**
   * Whether this thread is starting calls, and the starts deferred meanwhile (see {@link #start});
   * reused.
   */
  private static final ThreadLocal<Starting> STARTING = ThreadLocal.withInitial(Starting::new);

  /**
   * One thread's starts in progress: kept for the thread's life, so that starting a call allocates
   * nothing.
   */
  private static final class Starting {
    boolean active;
    final ArrayDeque<Runnable> deferred = new ArrayDeque<>(4);
  }

  /** A handler registered with {@link #handleStream}: the only kind that reads an upstream. */
  private interface StreamAdapter extends Handler {}

  /** The handler of a method that has none: interceptors see the call, the caller gets an error. */
  private static final Handler NO_HANDLER =
      (ctx, body) -> {
        throw new ServerReplies.NoSuchMethod(ctx.method());
      };

  private final String name;
  private final DropLog drops;
  private final Codec codec;
  private final Limits limits;
  private final ServerReplies replies;
  private final Duration executionTimeout;
  private final PeerResources threads;
  private final Interceptors interceptors;
  private final ChunkTransfers chunks;
  private final StreamRouting streams;
  private final OutgoingCalls outgoing;
  private final BooleanSupplier closed;
  private final Drain drain;
  private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
  private final Object sched = new Object();
  private final CalleeScheduler<ServerCall> scheduler;

  /**
   * The calls whose replies the scheduler released, queued under its lock in the order they must
   * leave, sent outside it ({@link #transmit}).
   */
  private final SerialQueue<ServerCall> released =
      new SerialQueue<>(c -> transmit(c, c.takeReply()));

  /** Callee-side interceptor calls queued in reply order, run outside the scheduler lock. */
  private final SerialQueue<Runnable> outcomes = new SerialQueue<>(Runnable::run);

  /** Queues each reply the scheduler releases (made once: replying allocates no list). */
  @SuppressWarnings("UnnecessaryLambda") // made once: a method reference would allocate per call
  private final Consumer<ServerCall> transmitter = released::add;

  /** The call the scheduler cut in {@link #accept}, taken from there at once. Guarded by sched. */
  private ServerCall cutCall;

  /** Receives the call the scheduler cuts (made once: admitting allocates no lambda). */
  @SuppressWarnings("UnnecessaryLambda") // made once: a method reference would allocate per call
  private final Consumer<ServerCall> cutter = c -> cutCall = c;

  IncomingCalls(
      String name,
      DropLog drops,
      PeerConfig config,
      PeerResources threads,
      Interceptors interceptors,
      ChunkTransfers chunks,
      StreamRouting streams,
      OutgoingCalls outgoing,
      BooleanSupplier closed,
      Drain drain) {
    this.name = name;
    this.drops = drops;
    this.codec = config.codec();
    this.limits = config.limits();
    this.replies = new ServerReplies(config, name);
    this.executionTimeout = config.executionTimeout();
    this.threads = threads;
    this.interceptors = interceptors;
    this.chunks = chunks;
    this.streams = streams;
    this.outgoing = outgoing;
    this.closed = closed;
    this.drain = drain;
    this.scheduler = new CalleeScheduler<>(config.ordering(), config.limits());
  }

  // ---------------------------------------------------------------- handlers (any thread)

  void handle(String method, Handler handler) {
    handlers.put(method, handler);
  }

  void handleStream(String method, StreamHandler handler) {
    handlers.put(
        method,
        (StreamAdapter)
            (ctx, body) -> {
              // An interceptor may pass on a context of its own: the streams are the call's.
              ServerCall c = ctx instanceof ServerCall call ? call : CurrentCall.get();
              return handler.handle(
                  ctx,
                  body,
                  c.upstream(codec, threads.callbacks),
                  c.downstream(codec, threads.callbacks));
            });
  }

  void unhandle(String method) {
    handlers.remove(method);
  }

  // ---------------------------------------------------------------- arriving (I/O thread)

  /** A FUNCTION: refused at once, or admitted to the scheduler. */
  void received(RemoteLink r, Header h, Envelope env) {
    MessageCodec.BodyFrame frame;
    try {
      frame =
          MessageCodec.decodeBody(
              env.body(),
              h.zip(),
              limits.maxMessageSize() - env.header().length,
              limits.maxElements());
    } catch (BadMessageException e) {
      drops.warn(
          "{}: bad request body from {} for {}: {}", name, r.id(), h.method(), e.getMessage());
      Replies.sendError(r, h, ErrorNames.BAD_MESSAGE, e.getMessage());
      return;
    }
    if (frame.payload() == null) {
      Replies.sendError(r, h, ErrorNames.BAD_MESSAGE, "request body is nil");
      return;
    }
    Handler handler = handlers.get(h.method());
    if (handler == null) {
      // Served like any call (admitted, on a handler thread), so that interceptors see it.
      drops.info("{}: {} called unknown method {}", name, r.id(), h.method());
      handler = NO_HANDLER;
    }
    List<CallId> chain = r.capabilities.has(Capabilities.CHAIN) ? h.chain() : List.of();
    int opened = r.capabilities.has(Capabilities.STREAM) ? h.streams() : 0;
    accept(
        new ServerCall(
            r,
            h,
            chain,
            handler,
            frame.body(),
            threads.timer.nanoTime(),
            env.size(),
            streams.upstreamOf(r, h, opened),
            streams.downstreamOf(r, h, opened),
            r.capabilities.has(Capabilities.METADATA) ? h.metadata() : Metadata.EMPTY,
            r.capabilities.has(Capabilities.DEADLINE) ? h.deadlineMillis() : 0,
            threads.timer));
  }

  private void accept(ServerCall c) {
    List<ServerCall> toStart;
    String refusal;
    ServerCall cut = null; // a waiting call of another remote, cut to make room for c
    synchronized (sched) {
      if (closed.getAsBoolean()) {
        toStart = null;
        refusal = null;
      } else if (c.remote.serving.containsKey(c.serveKey)) {
        // Checked first: any reply to a duplicate would be taken for the original's.
        toStart = null;
        refusal =
            "duplicate request: "
                + c.header.method()
                + " seq "
                + c.header.seq()
                + " is already being served";
      } else if (c.remote.memory.allowance() < c.charge) {
        toStart = null; // past the memory budget, and this remote holds more than its reserve
        c.refusal = c.remote.memory.why(c.charge);
        refusal = c.refusal;
      } else {
        toStart =
            scheduler.admit(
                c, c.chain.isEmpty() ? List.of() : outgoing.ancestorsOf(c.chain), cutter);
        cut = cutCall;
        cutCall = null;
        if (toStart == null) {
          refusal = c.refusal + " (" + c.share + ")";
        } else {
          refusal = null;
          c.remote.serving.put(c.serveKey, c);
        }
      }
    }
    if (cut != null) {
      drops.warn("{}: cut {} from {}: {}", name, cut.header.method(), cut.remote.id(), cut.refusal);
      cancel(cut, Replies.frameworkError(cut.header, ErrorNames.OVERLOADED, cut.refusal));
    }
    if (toStart != null) {
      interceptors.started(c.info);
      start(toStart);
    } else if (refusal == null) {
      LOG.debug("{}: dropped {} (peer closing)", name, c);
    } else {
      drops.warn("{}: refused {} from {}: {}", name, c.header.method(), c.remote.id(), refusal);
      if (c.refusal
          != null) { // overloaded: answered; a duplicate is not, its reply would be taken for the
        // original's
        Replies.sendError(c.remote, c.header, ErrorNames.OVERLOADED, c.refusal);
      }
    }
  }

  /** A CANCEL: the call it names is cancelled; one still arriving in chunks is dropped. */
  void cancelled(RemoteLink r, Header h) {
    ServerCall c = r.serving.get(new ServeKey(h.seq(), h.method(), h.orderKey()));
    if (c == null) {
      if (chunks.dropIn(r, Chunks.key(h.seq(), Chunks.REQUEST), false)) {
        LOG.debug(
            "{}: CANCEL from {} for {} seq {} while its chunks arrived",
            name,
            r.id(),
            h.method(),
            h.seq());
        return;
      }
      LOG.debug(
          "{}: CANCEL from {} for a call not in progress ({} seq {})",
          name,
          r.id(),
          h.method(),
          h.seq());
      return;
    }
    cancel(c, Replies.cancelled(c.header));
  }

  /**
   * A remote connected (the lower's I/O thread): its share of the handler slots and the queue,
   * which it holds until {@link #disconnected}.
   */
  FairShares.Share join(FairShares.Source source) {
    synchronized (sched) {
      return scheduler.join(source);
    }
  }

  /** The remote is gone: its calls are cancelled, and nothing is sent to it. */
  void disconnected(RemoteLink r) {
    for (ServerCall c : new ArrayList<>(r.serving.values())) {
      cancel(c, null);
    }
    synchronized (sched) {
      scheduler.leave(r.share);
    }
    drain.check();
  }

  // ---------------------------------------------------------------- running (handler threads)

  /**
   * Hands calls to the handler executor. An executor that runs tasks inline (the direct executor)
   * would recurse here through run, exited and start once per queued call; starts made while one is
   * already running on this thread are deferred to the outermost one instead.
   */
  private void start(List<ServerCall> calls) {
    if (calls.isEmpty()) {
      return;
    }
    Starting starting = STARTING.get();
    if (starting.active) {
      for (ServerCall c : calls) {
        starting.deferred.add(() -> startOne(c));
      }
      return;
    }
    starting.active = true;
    try {
      for (ServerCall c : calls) {
        startOne(c);
      }
      Runnable next;
      while ((next = starting.deferred.poll()) != null) {
        next.run();
      }
    } finally {
      starting.active = false;
      starting.deferred
          .clear(); // only if a start threw: its followers are not run on a later call's turn
    }
  }

  private void startOne(ServerCall c) {
    try {
      threads.onHandlerThread(() -> run(c));
    } catch (RejectedExecutionException e) {
      LOG.warn("{}: the handler executor refused {}", name, c);
      replied(
          c,
          Replies.frameworkError(
              c.header, ErrorNames.OVERLOADED, "the handler executor refused the call"));
      exited(c);
    }
  }

  private void run(ServerCall c) {
    long left = c.startClock(executionTimeout);
    if (left != ServerCall.NO_DEADLINE) {
      if (left > 0) {
        armDeadline(c, left);
      } else {
        LOG.info("{}: {} reached its deadline before it started", name, c);
        cancel(c, c.deadlineReply(), c.deadlineCode());
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
    CurrentCall.set(c);
    try {
      result = interceptors.handle(c, new CodecBody(c.body, codec), c.handler);
    } catch (Throwable t) {
      result = null;
      failure = t;
    } finally {
      CurrentCall.set(null);
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
      // complete() replies for every outcome and logs its own failures: nothing to observe here.
      var unused = stage.whenComplete((v, e) -> complete(c, v, e));
      return;
    }
    complete(c, result, failure);
  }

  /**
   * Cancels the call when its deadline passes, {@code nanos} from now: the caller's, or this peer's
   * execution timeout.
   */
  private void armDeadline(ServerCall c, long nanos) {
    Timer.Scheduled t;
    try {
      t =
          threads.timer.schedule(
              Duration.ofNanos(nanos),
              () -> {
                LOG.info("{}: {} reached its deadline (or execution timeout)", name, c);
                cancel(c, c.deadlineReply(), c.deadlineCode());
              });
    } catch (RuntimeException e) {
      LOG.warn("{}: the timer refused the deadline of {}; it runs without one", name, c, e);
      return;
    }
    synchronized (sched) {
      if (c.replied) {
        t.cancel();
      } else {
        c.deadlineTimer = t;
      }
    }
  }

  /**
   * The handler is done: reply (whatever goes wrong while building the reply) and free its
   * resources.
   */
  private void complete(ServerCall c, Object value, Throwable failure) {
    try {
      StreamRouting.endServerStreams(
          c,
          failure == null
              ? null
              : new CallCancelledException(
                  "the handler of " + c.header.method() + " failed", null, false));
    } catch (RuntimeException e) {
      LOG.warn("{}: ending the streams of {} failed", name, c, e);
    }
    try {
      if (!c.isCancelled()) { // else CANCELLED was already sent (or the caller is gone)
        replied(c, replies.of(c, value, failure));
      }
    } catch (Throwable t) {
      LOG.error("{}: failed to build the reply of {}", name, c, t);
      replied(
          c,
          Replies.frameworkError(
              c.header,
              ErrorNames.INTERNAL,
              "failed to build the reply: " + t.getClass().getName()));
    } finally {
      exited(c);
    }
  }

  // ---------------------------------------------------------------- replying and ending

  /**
   * The call's reply is ready ({@code reply} null: nobody to send it to). Queues what the scheduler
   * releases (under its lock, so that ordered replies leave in order), sends it and runs
   * interceptors outside the lock.
   */
  private void replied(ServerCall c, Envelope reply) {
    try {
      synchronized (sched) {
        if (c.replied) {
          return;
        }
        if (c.deadlineTimer != null) {
          c.deadlineTimer.cancel();
          c.deadlineTimer = null;
        }
        c.remote.serving.remove(c.serveKey, c);
        scheduler.replied(c, reply, transmitter);
      }
    } finally {
      released.drain(); // the replies, outside the scheduler lock
      outcomes.drain(); // then interceptors
      drain.check();
    }
  }

  /**
   * Sends a reply the scheduler released and queues its interceptor call; one thread at a time, in
   * the order of release.
   */
  private void transmit(ServerCall c, Envelope reply) {
    long out = 0;
    if (reply != null && c.remote.connected) {
      try {
        if (c.resultHeader != null && !c.keyOrdered) {
          // Under an ordering, a chunked RESULT would be overtaken by the next reply of its key.
          try {
            chunks.send(c.remote, c.resultHeader, reply, Chunks.REPLY);
          } catch (OverloadedException e) {
            LOG.warn("{}: the result of {} is refused: {}", name, c, e.getMessage());
            reply = Replies.frameworkError(c.header, ErrorNames.OVERLOADED, e.getMessage());
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
      ErrorCode code =
          reply == null
              ? ErrorCode.CONNECTION_LOST
              : c.replyCode != null ? c.replyCode : outcomeOf(reply);
      CallOutcome outcome =
          new CallOutcome(
              code,
              null,
              Duration.ofNanos(threads.timer.nanoTime() - c.startNanos),
              out,
              c.bytesIn);
      outcomes.add(() -> interceptors.finished(c.info, outcome));
    }
  }

  private static ErrorCode outcomeOf(Envelope reply) {
    // encodeHeader always starts with fixmap, fixstr "type", then the type as a positive fixint.
    return switch (MessageType.of(reply.header()[6])) {
      case RESULT -> null;
      case FAILURE -> ErrorCode.REMOTE_USER_ERROR;
      case CANCELLED -> ErrorCode.CANCELLED;
      default -> ErrorCode.REMOTE_INTERNAL_ERROR;
    };
  }

  /** The handler is gone: its slot and its key go to whoever waited for them. */
  private void exited(ServerCall c) {
    List<ServerCall> toStart;
    synchronized (sched) {
      toStart = scheduler.exited(c);
    }
    start(toStart);
    drain.check();
  }

  /**
   * Cancels a call being served: a queued call is removed without running, a running one is
   * interrupted. {@code reply} (CANCELLED, or null when the caller is gone) is sent at once.
   */
  private void cancel(ServerCall c, Envelope reply) {
    cancel(c, reply, null);
  }

  /** {@link #cancel(ServerCall, Envelope)}, noting {@code code} as the reply's outcome if given. */
  private void cancel(ServerCall c, Envelope reply, ErrorCode code) {
    boolean wasQueued;
    synchronized (sched) {
      if (CalleeScheduler.done(c)) {
        return;
      }
      wasQueued = scheduler.cancel(c);
      if (code != null) {
        c.replyCode = code;
      }
    }
    c.cancel(threads.callbacks);
    StreamRouting.endServerStreams(
        c,
        new CallCancelledException(
            "the call of " + c.header.method() + " was cancelled", null, false));
    replied(c, reply);
    if (wasQueued) {
      exited(c);
    }
  }

  /**
   * Entries in the scheduler's tables and replies released but not sent yet: what a graceful
   * shutdown waits for, and what the leak checks of tests count.
   */
  int entries() {
    synchronized (sched) {
      // Read after the tables: a reply leaves the tables for the queue under this lock.
      return scheduler.entries() + released.pending();
    }
  }
}
