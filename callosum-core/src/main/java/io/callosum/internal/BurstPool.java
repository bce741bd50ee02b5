package io.callosum.internal;

import io.callosum.lower.ReadBatch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A pool of up to {@code maxThreads} daemon threads sharing one FIFO queue that never refuses a
 * task (until shut down), which wakes a thread only when none is awake: a task queued while a
 * worker runs is left to that worker, so a burst of tasks (the calls or completions of one read of
 * many messages) costs one wake-up, not one per task as in a {@link
 * java.util.concurrent.ThreadPoolExecutor}, whose every queued task wakes or starts a thread. The
 * peer's default handler and callback executors on a JVM without virtual threads.
 *
 * <p>A task that blocks, or runs long, must not hold up the tasks behind it for good. A task about
 * to wait for something says so ({@link #blocking}, which the peer's own futures call before they
 * park): its thread stops counting as awake, and a task queued behind it wakes another thread at
 * once. For waits nobody announces: while tasks wait behind a running one, one idle thread watches,
 * waking every {@code stallNanos}, and when no task has started or ended for that long it joins in
 * and wakes a thread for every other task waiting (the running ones are taken to be blocked). So an
 * unannounced blocking task delays those queued behind it by about {@code stallNanos}, and a task
 * that waits for a later one still sees it run.
 *
 * <p>Threads: {@link #execute} and the lifecycle methods from any thread; {@link #blocking} from a
 * task of any pool (a no-op elsewhere). Idle threads end after {@code keepAliveNanos}.
 */
final class BurstPool extends AbstractExecutorService {
  private static final int RUNNING = 0;
  private static final int SHUTDOWN = 1;
  private static final int STOP = 2;

  /** The worker the current thread is, if it is one. */
  private static final ThreadLocal<Worker> CURRENT = new ThreadLocal<>();

  private final int maxThreads;
  private final long stallNanos;
  private final long keepAliveNanos;
  private final ThreadFactory factory;
  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();

  /** Threads not parked idle: running a task, or about to look for one. */
  private final AtomicInteger awake = new AtomicInteger();

  /** When a task last started or ended (nanoTime): what the watcher checks. */
  private volatile long progress;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition terminated = lock.newCondition();

  /** Guarded by {@link #lock}: every thread, the parked ones (last parked first), the watcher. */
  private final Set<Worker> workers = new HashSet<>();

  private final ArrayDeque<Worker> idle = new ArrayDeque<>();

  /** The idle thread that watches (written under the lock; read without it as a hint). */
  private volatile Worker watcher;

  private volatile int state = RUNNING;

  /** Guarded by {@link #lock}: how often a watcher joined in because the running tasks stalled. */
  private int stallJoins;

  /** One thread of the pool; its fields are guarded by the pool's lock. */
  private final class Worker implements Runnable {
    Thread thread;

    /** Taken off the idle list by another thread, and counted awake for it. */
    boolean woken;

    /** In a wait announced by {@link #blocking} (own thread only). */
    boolean waiting;

    BurstPool pool() {
      return BurstPool.this;
    }

    @Override
    public void run() {
      Threads.RUNNING_IN.set(BurstPool.this);
      CURRENT.set(this);
      try {
        work(this);
      } finally {
        CURRENT.remove();
        Threads.RUNNING_IN.remove();
        exited(this);
      }
    }
  }

  /**
   * @param stallNanos how long tasks may wait behind a running one without a task starting or
   *     ending before another thread joins in
   * @param keepAliveNanos how long an idle thread lives
   */
  BurstPool(int maxThreads, long stallNanos, long keepAliveNanos, ThreadFactory factory) {
    if (maxThreads < 2) {
      throw new IllegalArgumentException("at least 2 threads (one runs, one watches)");
    }
    this.maxThreads = maxThreads;
    this.stallNanos = stallNanos;
    this.keepAliveNanos = keepAliveNanos;
    this.factory = factory;
    this.progress = System.nanoTime(); // not 0: nanoTime's origin is arbitrary
  }

  /**
   * What the calling I/O thread handed over during a read round that hands over at its end ({@link
   * ReadBatch#beginHandingOverAtEnd}), queued together then.
   */
  private final ThreadLocal<ArrayList<Runnable>> heldInRound =
      ThreadLocal.withInitial(ArrayList::new);

  @Override
  public void execute(Runnable task) {
    if (state != RUNNING) {
      throw new RejectedExecutionException("the pool is shut down");
    }
    if (ReadBatch.handsOverAtEnd()) {
      ArrayList<Runnable> held = heldInRound.get();
      if (held.isEmpty()) {
        ReadBatch.runAtEnd(this::handOverRound);
      }
      held.add(task);
      return;
    }
    queue.add(task);
    wakeFor();
  }

  /**
   * Queues what the calling thread held in its read round, and wakes a thread for it once. A pool
   * shut down meanwhile still queues them: after {@link #shutdown} its threads run them, after
   * {@link #shutdownNow} they never run, like the tasks that call returned.
   */
  private void handOverRound() {
    ArrayList<Runnable> held = heldInRound.get();
    queue.addAll(held);
    held.clear();
    wakeFor();
  }

  /** A task was queued: wakes a thread unless one is awake (which then gets a watcher). */
  private void wakeFor() {
    if (awake.get() > 0) {
      watch(); // it waits behind a running task, which may block
      return;
    }
    lock.lock();
    try {
      if (awake.get() == 0) {
        wakeOne(false);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Wakes an idle thread (made the watcher if {@code watch}), or starts one; false if every thread
   * is busy already. Under the lock.
   */
  private boolean wakeOne(boolean watch) {
    Worker w = idle.pollFirst();
    if (w == null) {
      if (workers.size() >= maxThreads) {
        return false;
      }
      w = new Worker();
      w.thread = factory.newThread(w);
      workers.add(w);
      if (watch) {
        watcher = w; // it starts idle, and watches
        idle.addFirst(w);
      } else {
        awake.incrementAndGet();
      }
      w.thread.start();
      return true;
    }
    if (watch) {
      watcher = w;
      idle.addFirst(w); // it stays idle, parked for a shorter time
    } else {
      if (w == watcher) {
        watcher = null;
      }
      w.woken = true;
      awake.incrementAndGet();
    }
    LockSupport.unpark(w.thread);
    return true;
  }

  private void work(Worker self) {
    boolean isAwake = startsAwake(self);
    while (true) {
      if (!isAwake) {
        if (!rest(self)) {
          return;
        }
        isAwake = true;
      }
      Runnable task = queue.poll();
      if (task == null) {
        if (awake.decrementAndGet() == 0 && !queue.isEmpty() && awake.incrementAndGet() > 0) {
          continue; // queued as this thread went to rest, seeing it still awake: take it
        }
        isAwake = false;
        continue;
      }
      // Before a watcher may look: it measures the stall from this task's start.
      progress = System.nanoTime();
      if (!queue.isEmpty()) {
        watch(); // tasks wait behind this one
      }
      runTask(task);
      progress = System.nanoTime();
    }
  }

  /** Whether a new thread was started to work (counted awake) rather than to watch. */
  private boolean startsAwake(Worker w) {
    lock.lock();
    try {
      if (idle.contains(w)) {
        return false;
      }
      w.woken = false; // taken off the idle list before it ran: counted awake already
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Makes sure an idle thread watches the tasks waiting; no-op if one does already. */
  private void watch() {
    if (watcher != null) { // racy read: at worst one more look under the lock
      return;
    }
    lock.lock();
    try {
      if (watcher == null && state == RUNNING) {
        wakeOne(true);
      }
    } finally {
      lock.unlock();
    }
  }

  private void runTask(Runnable task) {
    if (state == STOP) {
      Thread.currentThread().interrupt();
    }
    try {
      task.run();
    } catch (RuntimeException | Error e) {
      Thread t = Thread.currentThread();
      t.getUncaughtExceptionHandler().uncaughtException(t, e);
    } finally {
      if (state != STOP) {
        Thread.interrupted(); // one task's interrupt is not the next one's
      }
    }
  }

  /**
   * Parks {@code self} until it is woken for work; false if it is to end (kept idle too long, or
   * the pool is shut down with nothing queued). The watcher parks for {@code stallNanos} at a time
   * and joins in when the tasks waiting made no progress meanwhile.
   */
  private boolean rest(Worker self) {
    long idleSince = System.nanoTime();
    lock.lock();
    try {
      if (!idle.contains(self)) {
        idle.addFirst(self);
      }
      while (true) {
        if (self.woken) {
          self.woken = false;
          return true;
        }
        long now = System.nanoTime();
        if (state == STOP || (state == SHUTDOWN && queue.isEmpty())) {
          idle.remove(self);
          if (watcher == self) {
            watcher = null;
          }
          return false;
        }
        boolean join;
        if (state == SHUTDOWN) {
          join = true; // what is still queued is run before the threads end
        } else if (self == watcher) {
          if (queue.isEmpty()) {
            watcher = null; // nothing waits behind a running task any more
            idleSince = now;
            join = false;
          } else {
            // the running tasks made no progress for the stall time (or none runs): join in
            join = awake.get() == 0 || now - progress >= stallNanos;
          }
        } else if (now - idleSince >= keepAliveNanos) {
          idle.remove(self);
          return false;
        } else {
          join = false;
        }
        if (join) {
          boolean stalled = watcher == self && state == RUNNING;
          if (watcher == self) {
            watcher = null;
          }
          idle.remove(self);
          awake.incrementAndGet();
          if (stalled) {
            stallJoins++;
            // Whatever runs is taken to be blocked: every other task waiting gets a thread now,
            // not one more every stall interval.
            for (int more = queue.size() - 1; more > 0 && wakeOne(false); more--) {}
          }
          return true;
        }
        long park = self == watcher ? stallNanos : keepAliveNanos - (now - idleSince);
        lock.unlock();
        try {
          LockSupport.parkNanos(this, park);
        } finally {
          lock.lock();
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private void exited(Worker self) {
    lock.lock();
    try {
      workers.remove(self);
      idle.remove(self);
      if (watcher == self) {
        watcher = null;
      }
      if (workers.isEmpty() && state != RUNNING) {
        terminated.signalAll();
      } else if (!queue.isEmpty() && awake.get() == 0) {
        wakeOne(false); // a task came as this thread timed out
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Says that the current thread, if it runs a task of a pool of this kind, is about to wait: it
   * stops counting as awake, so a task queued behind it gets a thread at once rather than after the
   * stall time. Returns what to run once the wait is over (which counts it awake again); a no-op on
   * other threads.
   */
  static Runnable blocking() {
    Worker w = CURRENT.get();
    if (w == null || w.waiting) {
      return BurstPool::notCounted; // not a pool's thread, or a wait within a wait (counted once)
    }
    w.waiting = true;
    return w.pool().waitBegins(w);
  }

  private static void notCounted() {}

  private Runnable waitBegins(Worker w) {
    if (awake.decrementAndGet() == 0 && !queue.isEmpty()) {
      lock.lock();
      try {
        if (awake.get() == 0 && !queue.isEmpty() && state != STOP) {
          wakeOne(false);
        }
      } finally {
        lock.unlock();
      }
    }
    return () -> {
      awake.incrementAndGet();
      w.waiting = false;
    };
  }

  @Override
  public void shutdown() {
    lock.lock();
    try {
      if (state == RUNNING) {
        state = SHUTDOWN;
      }
      wakeAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<Runnable> shutdownNow() {
    List<Runnable> never = new ArrayList<>();
    lock.lock();
    try {
      state = STOP;
      for (Runnable r; (r = queue.poll()) != null; ) {
        never.add(r);
      }
      for (Worker w : workers) {
        w.thread.interrupt();
      }
      wakeAll();
    } finally {
      lock.unlock();
    }
    return never;
  }

  /** Wakes every parked thread, to see the new state. Under the lock. */
  private void wakeAll() {
    for (Worker w : idle) {
      LockSupport.unpark(w.thread);
    }
    if (workers.isEmpty()) {
      terminated.signalAll();
    }
  }

  @Override
  public boolean isShutdown() {
    return state != RUNNING;
  }

  @Override
  public boolean isTerminated() {
    lock.lock();
    try {
      return state != RUNNING && workers.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    long left = unit.toNanos(timeout);
    lock.lock();
    try {
      while (state == RUNNING || !workers.isEmpty()) {
        if (left <= 0) {
          return false;
        }
        left = terminated.awaitNanos(left);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** How often a watcher joined in because the running tasks stalled (for tests). */
  int stallJoins() {
    lock.lock();
    try {
      return stallJoins;
    } finally {
      lock.unlock();
    }
  }

  /** Threads the pool has now (for tests). */
  int threads() {
    lock.lock();
    try {
      return workers.size();
    } finally {
      lock.unlock();
    }
  }
}
