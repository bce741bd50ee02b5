package io.callosum.internal;

import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.OrderKey;
import io.callosum.Timer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Type;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/** A call this peer made and whose reply it awaits (in its remote's {@code pending} table). */
final class ClientCall {
  final RemoteLink remote;
  final long seq;
  final String method;
  final OrderKey orderKey;

  /** The result type; null for a raw {@link io.callosum.Payload}. */
  final Type resultType;

  /** The streams the call opens (see {@link CallRequest#streams}). */
  final int streams;

  /** Whether the result is a {@link io.callosum.Reply} (see {@link CallRequest#withReply}). */
  final boolean withReply;

  /** The interceptors' listeners of this call ({@link Interceptors#sending}), or null. */
  final List<CallInterceptor.Listener> listeners;

  final Future future = new Future();
  final CallInfo info;
  final long startNanos;
  final long bytesOut;

  /** The call this peer serves from inside which this call was made (a callback), or null. */
  final ServerCall parent;

  /** This callback's random id in call chains (0 when not a callback). */
  final long token;

  volatile Timer.Scheduled timeout;

  /**
   * What the call fails with when its timeout runs out, here or (past the deadline it carried) at
   * the callee: the message of its {@link io.callosum.CallTimeoutException}. Null without one.
   */
  volatile String timeoutMessage;

  /** The streams of a streaming call (null for a plain one); set before the FUNCTION leaves. */
  StreamOut upstream;

  StreamIn downstream;

  /** The call {@code request} describes (its body is not kept: it has been encoded). */
  ClientCall(
      CallRequest request,
      long seq,
      CallInfo info,
      long startNanos,
      long bytesOut,
      ServerCall parent,
      long token,
      List<CallInterceptor.Listener> listeners) {
    this.remote = request.target();
    this.seq = seq;
    this.method = request.method();
    this.orderKey = request.orderKey();
    this.resultType = request.resultType();
    this.streams = request.streams();
    this.withReply = request.withReply();
    this.listeners = listeners;
    this.info = info;
    this.startNanos = startNanos;
    this.bytesOut = bytesOut;
    this.parent = parent;
    this.token = token;
    future.call = this;
  }

  /**
   * Whether {@code h} (a reply or stream message with this call's seq) is about this call: same
   * meth and okey.
   */
  boolean answeredBy(Header h) {
    return method.equals(h.method()) && orderKey.equals(h.orderKey());
  }

  /**
   * The future handed to the caller: cancelling it sends CANCEL to the remote. A thread blocked in
   * {@link #get()}, {@link #get(long, TimeUnit)} or {@link #join()} takes the call's settlement
   * (decoding the reply and completing this future) itself when it comes ({@link #handOff}), so a
   * synchronous call costs no hand-off to the callback executor; code chained on the future then
   * runs on that caller's thread, never on the I/O thread, however it was attached.
   */
  final class Future extends CompletableFuture<Object> {
    private static final VarHandle WAITER;

    static {
      try {
        WAITER = MethodHandles.lookup().findVarHandle(Future.class, "waiter", Object.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    ClientCall call;

    /**
     * Null: nobody waits here; a {@link Thread}: that thread waits in get or join and takes the
     * settlement; another {@link Runnable} (a Thread is one too): the settlement, handed to that
     * thread, not yet taken.
     */
    @SuppressWarnings("unused") // through WAITER
    private volatile Object waiter;

    /**
     * Hands {@code settlement} to the thread blocked waiting for this future, and wakes it; false
     * if no thread waits (the caller runs it elsewhere). Any thread.
     */
    boolean handOff(Runnable settlement) {
      Object w = waiter;
      if (w instanceof Thread t && WAITER.compareAndSet(this, t, settlement)) {
        LockSupport.unpark(t);
        return true;
      }
      return false;
    }

    @Override
    public Object get() throws InterruptedException, ExecutionException {
      takeSettlement(true, false, 0);
      return super.get();
    }

    @Override
    public Object get(long timeout, TimeUnit unit)
        throws InterruptedException, ExecutionException, TimeoutException {
      long left = takeSettlement(true, true, unit.toNanos(timeout));
      return super.get(left, TimeUnit.NANOSECONDS);
    }

    @Override
    public Object join() {
      try {
        takeSettlement(false, false, 0);
      } catch (InterruptedException e) {
        throw new AssertionError("an uninterruptible wait was interrupted", e);
      }
      return super.join();
    }

    /**
     * Waits as the one thread that takes the settlement (unless another thread waits so already, or
     * this future is done): runs it when it is handed over, or returns once this future is done,
     * the time is up or (if {@code interruptible}) the thread is interrupted. A settlement handed
     * over as it leaves is run all the same, never lost. Returns the nanoseconds left of {@code
     * nanos}.
     */
    private long takeSettlement(boolean interruptible, boolean timed, long nanos)
        throws InterruptedException {
      Thread me = Thread.currentThread();
      if (isDone() || !WAITER.compareAndSet(this, null, me)) {
        return nanos;
      }
      long deadline = timed ? System.nanoTime() + nanos : 0;
      boolean interrupted = false;
      boolean took = false;
      Runnable awakeAgain = BurstPool.blocking(); // a pool task behind this one runs meanwhile
      try {
        while (true) {
          // While this thread is registered, only handOff replaces it, so a settlement is ours.
          Object w = waiter;
          if (w != me && w instanceof Runnable settlement) {
            waiter = null;
            took = true;
            settlement.run();
            break;
          }
          if (isDone()) {
            break;
          }
          if (timed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
              break;
            }
            LockSupport.parkNanos(this, left);
          } else {
            LockSupport.park(this);
          }
          if (Thread.interrupted()) {
            interrupted = true;
            if (interruptible) {
              break;
            }
          }
        }
      } finally {
        awakeAgain.run();
        if (!took
            && !WAITER.compareAndSet(this, me, null)
            && WAITER.getAndSet(this, null) instanceof Runnable settlement) { // not a Thread
          settlement.run(); // handed over as this thread left
        }
      }
      if (interrupted) {
        if (interruptible) {
          throw new InterruptedException();
        }
        me.interrupt();
      }
      return timed ? Math.max(0, deadline - System.nanoTime()) : nanos;
    }

    @Override
    public boolean complete(Object value) {
      boolean completed = super.complete(value);
      wakeWaiter();
      return completed;
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
      boolean completed = super.completeExceptionally(ex);
      wakeWaiter();
      return completed;
    }

    /** Wakes a thread waiting to take the settlement: the future completed some other way. */
    private void wakeWaiter() {
      if (waiter instanceof Thread t) {
        LockSupport.unpark(t);
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      wakeWaiter();
      if (cancelled) {
        remote.calls.cancelledLocally(call);
      }
      return cancelled;
    }
  }
}
