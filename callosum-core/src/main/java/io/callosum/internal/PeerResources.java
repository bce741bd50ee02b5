package io.callosum.internal;

import io.callosum.Timer;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * The threads a peer runs on: its handler executor, its callback executor and its timer, each the
 * user's or one the peer made (and then shuts down in {@link #close}).
 *
 * <p>Any thread may hand work to it. {@link #close} is called once, by the closing thread; when
 * that is one of the peer's own threads (a handler or callback closing its own peer) it does not
 * wait for the pools it shuts down, since it would wait for itself.
 */
final class PeerResources {
  /**
   * The resources whose executor runs the current thread's task (to avoid waiting on ourselves).
   */
  private static final ThreadLocal<PeerResources> ON_OWN_THREAD = new ThreadLocal<>();

  /**
   * The most platform threads a default handler pool may start (Java 17; virtual threads have no
   * cap).
   */
  private static final int MAX_POOL_THREADS = 4096;

  final Executor handlers;
  final Executor callbacks;
  final Timer timer;
  private final ExecutorService ownedHandlers;
  private final ExecutorService ownedCallbacks;
  private final SystemTimer ownedTimer;

  /**
   * Takes the executors and timer of {@code config}, making those it lacks. {@code admissionLimit}
   * is the most calls the scheduler may let run at once (nested calls run beyond {@code
   * maxConcurrentCalls}), so a pool made here does not cap below it.
   */
  PeerResources(PeerConfig config, String name, long admissionLimit) {
    if (config.handlerExecutor() != null) {
      handlers = config.handlerExecutor();
      ownedHandlers = null;
    } else {
      ownedHandlers =
          Threads.handlerExecutor(
              "callosum-" + name + "-handler",
              (int) Math.min(MAX_POOL_THREADS, admissionLimit + 16));
      handlers = ownedHandlers;
    }
    if (config.callbackExecutor() != null) {
      callbacks = config.callbackExecutor();
      ownedCallbacks = null;
    } else {
      ownedCallbacks = Threads.callbackExecutor("callosum-" + name + "-callback", 64);
      callbacks = ownedCallbacks;
    }
    if (config.timer() != null) {
      timer = config.timer();
      ownedTimer = null;
    } else {
      ownedTimer = new SystemTimer("callosum-" + name + "-timer");
      timer = ownedTimer;
    }
  }

  /**
   * Whether a call's completion may be handed to the thread blocked waiting for it instead of the
   * callback executor: only with the peer's own executor, a pool that keeps no order anyway. A
   * supplied executor (direct, or one thread) completes futures in the order replies arrive, as its
   * user may count on.
   */
  boolean handsCompletionsToWaiters() {
    return ownedCallbacks != null;
  }

  /**
   * Runs {@code r} on the callback executor; inline once it refuses (closing), rather than lose a
   * completion.
   */
  void onCallbackThread(Runnable r) {
    try {
      callbacks.execute(() -> runAsOwn(r));
    } catch (RejectedExecutionException e) {
      r.run();
    }
  }

  /**
   * Runs {@code r} on the handler executor; throws {@link RejectedExecutionException} if it
   * refuses.
   */
  void onHandlerThread(Runnable r) {
    handlers.execute(() -> runAsOwn(r));
  }

  private void runAsOwn(Runnable r) {
    PeerResources before = ON_OWN_THREAD.get();
    ON_OWN_THREAD.set(this);
    try {
      r.run();
    } finally {
      ON_OWN_THREAD.set(
          before); // not remove(): the entry would be made again for the thread's next task
    }
  }

  /** Stops the timer and shuts down the executors the peer made; the user's are left running. */
  void close() {
    boolean own = ON_OWN_THREAD.get() == this;
    if (ownedTimer != null) {
      ownedTimer.close();
    }
    if (ownedHandlers != null) {
      shutdown(ownedHandlers, own);
    }
    if (ownedCallbacks != null) {
      shutdown(ownedCallbacks, own);
    }
  }

  private static void shutdown(ExecutorService e, boolean fromOwnThread) {
    if (fromOwnThread) {
      e.shutdown();
    } else {
      Threads.shutdownAndWait(e);
    }
  }
}
