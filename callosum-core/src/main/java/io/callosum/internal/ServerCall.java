package io.callosum.internal;

import io.callosum.CallContext;
import io.callosum.CallInfo;
import io.callosum.ErrorCode;
import io.callosum.Handler;
import io.callosum.Metadata;
import io.callosum.OrderKey;
import io.callosum.RemotePeer;
import io.callosum.StreamSink;
import io.callosum.StreamSource;
import io.callosum.Timer;
import io.callosum.lower.Envelope;
import io.callosum.upper.Codec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A call the remote made to this peer: its {@link CallContext}, its streams and (as a {@link
 * CalleeScheduler.Entry}) its scheduling state. The handler's thread uses the context; the
 * cancelling thread (I/O, timer or closing) calls {@link #cancel}.
 */
final class ServerCall extends CalleeScheduler.Entry implements CallContext {
  private static final Logger LOG = LoggerFactory.getLogger(ServerCall.class);

  /** {@link #nanosLeft()} of a call without a deadline. */
  static final long NO_DEADLINE = Long.MIN_VALUE;

  final RemoteLink remote;
  final Header header;
  final ServeKey serveKey;

  /** The chain this call arrived with (empty from remotes that do not announce {@code chain}). */
  final List<CallId> chain;

  final Handler handler;
  final byte[] body;
  final long startNanos;
  final long bytesIn;
  final CallInfo info;

  /** The metadata the caller sent (empty from remotes that do not announce {@code metadata}). */
  final Metadata metadata;

  /** The clock of {@link #deadline}: this peer's timer. */
  private final Timer timer;

  /** When the call's deadline passes, on {@link #timer}; {@link #NO_DEADLINE} if it has none. */
  private volatile long deadline;

  /** The caller's deadline in milliseconds as it arrived (0: none). */
  private final long callersDeadlineMillis;

  /** Whether {@link #deadline} is this peer's execution timeout rather than the caller's. */
  private volatile boolean ownDeadline;

  /** What the handler set for its reply. */
  private volatile Metadata replyMetadata = Metadata.EMPTY;

  /**
   * The kind of the reply when it is a framework error that is not an internal error (no such
   * method, too large); null otherwise. Set by the thread building the reply.
   */
  volatile ErrorCode replyCode;

  /** The streams the caller opened (null when it opened none). */
  final StreamIn upstream;

  final StreamOut downstream;
  // Guarded by the scheduler's lock (see IncomingCalls).
  Timer.Scheduled deadlineTimer;

  /** The header of the RESULT being sent (to announce its chunks), null for other replies. */
  Header resultHeader;

  /** Streams that stand in for those the caller did not open, made on first use. */
  private StreamIn absentUpstream;

  private StreamOut absentDownstream;

  // Guarded by this.
  private Thread thread;
  private CompletableFuture<?> stage;
  private boolean cancelled;
  private List<Runnable> cancelActions;

  ServerCall(
      RemoteLink remote,
      Header header,
      List<CallId> chain,
      Handler handler,
      byte[] body,
      long startNanos,
      long bytesIn,
      StreamIn upstream,
      StreamOut downstream,
      Metadata metadata,
      long deadlineMillis,
      Timer timer) {
    // Held against Limits.maxBufferedBytes while the call lasts: its body and its upstream's
    // window.
    super(
        header.orderKey(),
        remote.share,
        body.length + (upstream != null ? upstream.windowBytes() : 0));
    this.upstream = upstream;
    this.downstream = downstream;
    this.remote = remote;
    this.header = header;
    this.serveKey = new ServeKey(header.seq(), header.method(), header.orderKey());
    this.chain = chain;
    this.handler = handler;
    this.body = body;
    this.startNanos = startNanos;
    this.bytesIn = bytesIn;
    this.info = new CallInfo(CallInfo.Side.CALLEE, header.method(), header.orderKey(), remote);
    this.metadata = metadata;
    this.timer = timer;
    this.callersDeadlineMillis = deadlineMillis;
    this.deadline = deadlineMillis > 0 ? startNanos + deadlineMillis * 1_000_000 : NO_DEADLINE;
  }

  /**
   * The handler starts: the deadline becomes the sooner of the caller's and {@code
   * executionTimeout} (null for none) from now. Returns the nanoseconds left, or {@link
   * #NO_DEADLINE}.
   */
  long startClock(Duration executionTimeout) {
    if (executionTimeout != null) {
      long now = timer.nanoTime();
      long limit = now + Math.min(executionTimeout.toNanos(), Long.MAX_VALUE / 4);
      long d = deadline;
      if (d == NO_DEADLINE || limit - d < 0) {
        deadline = limit;
        ownDeadline = true;
      }
    }
    return nanosLeft();
  }

  /** Nanoseconds left before the deadline (0 or less once passed), or {@link #NO_DEADLINE}. */
  long nanosLeft() {
    long d = deadline;
    return d == NO_DEADLINE ? NO_DEADLINE : d - timer.nanoTime();
  }

  /**
   * The reply of a call stopped at its deadline: CANCELLED for this peer's execution timeout, as
   * always; an ERROR the caller reads as a timeout for the caller's own deadline (which its timeout
   * may reach a moment later, on a clock armed after sending).
   */
  Envelope deadlineReply() {
    if (ownDeadline) {
      return Replies.cancelled(header);
    }
    return Replies.frameworkError(
        header,
        ErrorNames.DEADLINE_EXCEEDED,
        "the call's deadline of " + callersDeadlineMillis + " ms passed");
  }

  /** The outcome interceptors see for {@link #deadlineReply()}. */
  ErrorCode deadlineCode() {
    return ownDeadline ? ErrorCode.CANCELLED : ErrorCode.TIMEOUT;
  }

  Metadata replyMetadata() {
    return replyMetadata;
  }

  /** What the scheduler holds for this call counts in its remote's memory budget too. */
  @Override
  void held(long bytes) {
    if (bytes > 0) {
      remote.memory.add(bytes);
    } else {
      remote.memory.release(-bytes);
    }
  }

  /**
   * The chain a callback made from inside this call carries: this call's chain plus the callback's
   * own id, keeping the most recent {@code max} entries.
   */
  List<CallId> childChain(CallId callback, int max) {
    List<CallId> out = new ArrayList<>(chain.size() + 1);
    out.addAll(chain);
    out.add(callback);
    return out.size() <= max ? out : List.copyOf(out.subList(out.size() - max, out.size()));
  }

  /** Marks the handler as running on the current thread; false if already cancelled. */
  synchronized boolean enter() {
    if (cancelled) {
      return false;
    }
    thread = Thread.currentThread();
    return true;
  }

  /** The handler returned; no interrupt can reach this thread for this call afterwards. */
  void leave() {
    synchronized (this) {
      thread = null;
    }
    Thread.interrupted(); // clear a cancel interrupt that arrived late, before the thread is reused
  }

  /** Records the stage of an asynchronous handler; false if the call was cancelled meanwhile. */
  synchronized boolean attach(CompletableFuture<?> s) {
    stage = s;
    return !cancelled;
  }

  /**
   * Cancels the handler: interrupts its thread at once; cancels its stage and runs the cancel
   * actions on {@code userCode}, since both run user code and this may be called on an I/O thread.
   */
  void cancel(Executor userCode) {
    List<Runnable> actions;
    CompletableFuture<?> s;
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      if (thread != null) {
        thread.interrupt();
      }
      s = stage;
      actions = cancelActions;
      cancelActions = null;
    }
    if (s == null && actions == null) {
      return;
    }
    Runnable work =
        () -> {
          if (s != null) {
            s.cancel(true);
          }
          if (actions != null) {
            for (Runnable r : actions) {
              try {
                r.run();
              } catch (RuntimeException e) {
                LOG.warn("cancel action of {} failed", DropLog.text(header.method()), e);
              }
            }
          }
        };
    try {
      userCode.execute(work);
    } catch (RejectedExecutionException e) {
      work.run(); // closing
    }
  }

  /** The handler's upstream: the caller's, or an already completed one. */
  synchronized StreamSource upstream(Codec codec, Executor callbacks) {
    if (upstream != null) {
      return upstream;
    }
    if (absentUpstream == null) {
      absentUpstream =
          StreamIn.ended(new StreamWire(remote, header, Header.UPSTREAM), codec, callbacks, null);
    }
    return absentUpstream;
  }

  /** The handler's downstream: to the caller, or one that refuses items. */
  synchronized StreamSink downstream(Codec codec, Executor callbacks) {
    if (downstream != null) {
      return downstream;
    }
    if (absentDownstream == null) {
      absentDownstream =
          new StreamOut(
              new StreamWire(remote, header, Header.DOWNSTREAM),
              codec,
              Long.MAX_VALUE,
              callbacks,
              false,
              false); // never open: it sends nothing
    }
    return absentDownstream;
  }

  @Override
  public String method() {
    return header.method();
  }

  @Override
  public OrderKey orderKey() {
    return header.orderKey();
  }

  @Override
  public RemotePeer caller() {
    return remote.withParent(this);
  }

  @Override
  public Optional<String> identity() {
    return remote.identity();
  }

  @Override
  public Metadata metadata() {
    return metadata;
  }

  @Override
  public void setReplyMetadata(Metadata metadata) {
    this.replyMetadata = Objects.requireNonNull(metadata, "metadata");
  }

  @Override
  public Optional<Duration> timeRemaining() {
    long left = nanosLeft();
    return left == NO_DEADLINE
        ? Optional.empty()
        : Optional.of(Duration.ofNanos(Math.max(0, left)));
  }

  @Override
  public synchronized boolean isCancelled() {
    return cancelled;
  }

  @Override
  public void onCancel(Runnable action) {
    synchronized (this) {
      if (!cancelled) {
        if (cancelActions == null) {
          cancelActions = new ArrayList<>(2);
        }
        cancelActions.add(action);
        return;
      }
    }
    action.run();
  }

  @Override
  public String toString() {
    return "ServerCall("
        + DropLog.text(header.method())
        + ", okey="
        + header.orderKey()
        + ", seq="
        + header.seq()
        + ")";
  }
}
