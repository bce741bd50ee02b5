package io.callosum.internal;

import io.callosum.CallContext;
import io.callosum.CallInfo;
import io.callosum.Handler;
import io.callosum.OrderKey;
import io.callosum.RemotePeer;
import io.callosum.Timer;
import io.callosum.lower.Envelope;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A call the remote made to this peer: its scheduling state and its {@link CallContext}. */
final class ServerCall implements CallContext {
  private static final Logger LOG = LoggerFactory.getLogger(ServerCall.class);

  enum State {
    NEW,
    QUEUED_KEY,
    QUEUED_SLOT,
    RUNNING,
    EXITED
  }

  final RemoteLink remote;
  final Header header;
  final ServeKey serveKey;
  /** This call's id in call chains; null when the caller announced no instance id. */
  final CallId id;
  final List<CallId> chain;
  final Handler handler;
  final byte[] body;
  final long startNanos;
  final long bytesIn;
  final CallInfo info;

  // Guarded by the engine's scheduler lock.
  State state = State.NEW;
  boolean nested;
  boolean holdsSlot;
  boolean replied;
  Envelope reply;
  Timer.Scheduled executionTimeout;

  // Guarded by this.
  private Thread thread;
  private CompletableFuture<?> stage;
  private boolean cancelled;
  private List<Runnable> cancelActions;

  ServerCall(RemoteLink remote, Header header, CallId id, List<CallId> chain, Handler handler, byte[] body, long startNanos, long bytesIn) {
    this.remote = remote;
    this.header = header;
    this.serveKey = new ServeKey(header.seq(), header.method(), header.orderKey());
    this.id = id;
    this.chain = chain;
    this.handler = handler;
    this.body = body;
    this.startNanos = startNanos;
    this.bytesIn = bytesIn;
    this.info = new CallInfo(CallInfo.Side.CALLEE, header.method(), header.orderKey(), remote);
  }

  /** The chain a callback made from inside this call carries. */
  List<CallId> childChain(int max) {
    List<CallId> out = new ArrayList<>(chain);
    if (id != null) {
      out.add(id);
    }
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

  /** Cancels the handler: interrupts its thread or cancels its stage, and runs cancel actions. */
  void cancel() {
    List<Runnable> actions;
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      if (thread != null) {
        thread.interrupt();
      }
      if (stage != null) {
        stage.cancel(true);
      }
      actions = cancelActions;
      cancelActions = null;
    }
    if (actions != null) {
      for (Runnable r : actions) {
        try {
          r.run();
        } catch (RuntimeException e) {
          LOG.warn("cancel action of {} failed", header.method(), e);
        }
      }
    }
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
    return remote.withChain(childChain(remote.engine.config.limits().maxCallChain()));
  }

  @Override
  public Optional<String> identity() {
    return remote.identity();
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
    return "ServerCall(" + header.method() + ", okey=" + header.orderKey() + ", seq=" + header.seq() + ")";
  }
}
