package io.callosum.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A peer's graceful shutdown ({@link io.callosum.Peer#shutdown()}): whether it is draining (its
 * parts then refuse new calls), the check that nothing is left in flight, which then closes the
 * peer on a thread of its own, and the termination that {@code awaitTermination} waits for.
 *
 * <p>{@link #start} runs on the application's thread; {@link #check} on whichever thread has just
 * ended something in flight (the lower's I/O thread after each message, handler and callback
 * threads, the timer) and must stay cheap while not draining: one volatile read. The close runs on
 * a thread made for it ({@code callosum-NAME-shutdown}), never on one of the peer's own, so that it
 * can wait for them all. {@link #terminated} is called by whichever thread closed the peer.
 */
final class Drain {
  private static final Logger LOG = LoggerFactory.getLogger(Drain.class);

  private final String name;
  private final IntSupplier inFlight;
  private final Runnable close;
  private volatile boolean draining;

  /** Set once the peer is being closed, by the drain or by a close of its own. */
  private final AtomicBoolean closing = new AtomicBoolean();

  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private volatile Thread closer;

  /**
   * {@code inFlight} counts what the peer still has in flight (0 when idle); {@code close} closes
   * it.
   */
  Drain(String name, IntSupplier inFlight, Runnable close) {
    this.name = name;
    this.inFlight = inFlight;
    this.close = close;
  }

  /** Starts draining; false if it had started already or the peer is closing. */
  synchronized boolean start() {
    if (draining || closing.get()) {
      return false;
    }
    draining = true;
    return true;
  }

  /** Whether the peer is draining: new calls are refused both ways. */
  boolean isDraining() {
    return draining;
  }

  /**
   * Called after something in flight ended: once draining and nothing is left, closes the peer on a
   * thread of its own. Never throws.
   */
  void check() {
    if (!draining || closing.get() || inFlight.getAsInt() != 0) {
      return;
    }
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    LOG.debug("{}: nothing left in flight; closing", name);
    try {
      Thread t = new Thread(close, "callosum-" + name + "-shutdown");
      t.setDaemon(true);
      closer = t;
      t.start();
    } catch (RuntimeException | OutOfMemoryError e) {
      LOG.warn("{}: cannot start the closing thread; closing on this one", name, e);
      closer = null;
      close.run();
    }
  }

  /** The peer is being closed (by the drain or directly): no drain closes it again. */
  void closing() {
    closing.set(true);
  }

  /** The peer has closed and released everything. */
  void terminated() {
    terminated.complete(null);
  }

  boolean isTerminated() {
    return terminated.isDone();
  }

  /**
   * Waits up to {@code timeout} for the peer to terminate (and the thread that closed it to end);
   * true if it did.
   */
  boolean await(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
    try {
      terminated.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("termination failed", e.getCause());
    }
    Thread t = closer;
    if (t == null || t == Thread.currentThread()) {
      return true;
    }
    long left = deadline - System.nanoTime();
    if (left > 0) {
      TimeUnit.NANOSECONDS.timedJoin(t, left);
    }
    return !t.isAlive();
  }
}
