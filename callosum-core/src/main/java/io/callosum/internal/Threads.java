package io.callosum.internal;

import java.lang.reflect.Method;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Thread creation and orderly shutdown; virtual threads when the JVM has them (Java 21+). */
public final class Threads {
  private static final Logger LOG = LoggerFactory.getLogger(Threads.class);
  private static final Method VIRTUAL_FACTORY = findVirtualFactory();

  /** How long close() waits for a thread pool to finish after interrupting it. */
  private static final long SHUTDOWN_WAIT_MS = 5_000;

  private Threads() {}

  private static Method findVirtualFactory() {
    try {
      // Built for Java 17: virtual threads are looked up reflectively and used only where the
      // running JVM has them (Java 21+).
      Class.forName("java.lang.Thread").getMethod("ofVirtual");
      return Executors.class.getMethod("newThreadPerTaskExecutor", ThreadFactory.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  private static ThreadFactory virtualFactory(String prefix) throws ReflectiveOperationException {
    Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
    Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
    builder = ofVirtual.getMethod("name", String.class, long.class).invoke(builder, prefix, 0L);
    return (ThreadFactory)
        Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
  }

  /** Whether this JVM has virtual threads. */
  public static boolean hasVirtualThreads() {
    return VIRTUAL_FACTORY != null;
  }

  /** A factory of daemon platform threads named {@code prefix-N}. */
  public static ThreadFactory daemonFactory(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** One daemon thread with an unbounded FIFO queue. */
  public static ExecutorService singleThread(String name) {
    return new Pool(
        1,
        1,
        0,
        new LinkedBlockingQueue<>(),
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * Up to {@code threads} daemon threads with an unbounded FIFO queue, started as tasks come and
   * ended after a second idle, so that an idle owner holds no thread.
   */
  public static ExecutorService smallPool(String prefix, int threads) {
    return new Pool(threads, threads, 1, new LinkedBlockingQueue<>(), daemonFactory(prefix));
  }

  /** The executor whose task the current thread runs, if it is one of these pools. */
  static final ThreadLocal<ExecutorService> RUNNING_IN = new ThreadLocal<>();

  /**
   * A fixed pool that knows its own threads, so that shutting it down from inside never waits on
   * itself.
   */
  private static final class Pool extends ThreadPoolExecutor {
    Pool(
        int core,
        int max,
        long keepAliveSeconds,
        BlockingQueue<Runnable> queue,
        ThreadFactory factory) {
      super(core, max, keepAliveSeconds, TimeUnit.SECONDS, queue, factory);
      if (keepAliveSeconds > 0 && core > 0) {
        allowCoreThreadTimeOut(true);
      }
    }

    @Override
    protected void beforeExecute(Thread t, Runnable r) {
      RUNNING_IN.set(this);
    }

    @Override
    protected void afterExecute(Runnable r, Throwable t) {
      RUNNING_IN.remove();
    }
  }

  /**
   * A new virtual thread per task where the JVM has them, else a {@link BurstPool} of up to {@code
   * maxThreads} daemon threads: a burst of calls read at once costs one wake-up, a handler that
   * blocks gets the calls behind it another thread (at once when it waits on a call's future, else
   * after {@link #STALL_NANOS}). It never refuses a task until shut down: the caller bounds how
   * many it submits. Idle threads end after 30 s.
   */
  public static ExecutorService handlerExecutor(String prefix, int maxThreads) {
    if (VIRTUAL_FACTORY != null) {
      try {
        return (ExecutorService) VIRTUAL_FACTORY.invoke(null, virtualFactory(prefix + "-"));
      } catch (ReflectiveOperationException | RuntimeException t) {
        LOG.debug("virtual threads unavailable, using a pool", t);
      }
    }
    return new BurstPool(
        maxThreads, STALL_NANOS, TimeUnit.SECONDS.toNanos(30), daemonFactory(prefix));
  }

  /**
   * How long tasks may wait behind a running one that makes no progress (and did not say it waits)
   * before other threads of a {@link BurstPool} run them: 5 ms, as the pool's watcher wakes this
   * often while tasks wait, and at 1 ms its wake-ups and the pool's lock halved what the ZeroMQ
   * lower's default executors did on two cores (PERFORMANCE.md, <i>The handler pool's watcher</i>).
   */
  static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  /**
   * The same as {@link #handlerExecutor}, for completions: it never refuses a task (completions
   * must never be lost or pushed back onto an I/O thread).
   */
  public static ExecutorService callbackExecutor(String prefix, int threads) {
    return handlerExecutor(prefix, threads);
  }

  /**
   * Shuts {@code executor} down: lets it finish for a moment, then interrupts running tasks, runs
   * the queued ones on the calling thread, and waits a bounded time for its threads to end. Called
   * from one of the executor's own threads, it only shuts down.
   */
  public static void shutdownAndWait(ExecutorService executor) {
    executor.shutdown();
    if (RUNNING_IN.get() == executor) {
      return; // called from one of its own tasks: waiting would wait for ourselves
    }
    try {
      if (!executor.awaitTermination(50, TimeUnit.MILLISECONDS)) {
        // Tasks never started are run here: they complete futures or end cancelled calls, and
        // dropping them would leave a caller waiting forever.
        for (Runnable r : executor.shutdownNow()) {
          try {
            r.run();
          } catch (RuntimeException e) {
            LOG.warn("task failed while shutting down {}", executor, e);
          }
        }
        if (!executor.awaitTermination(SHUTDOWN_WAIT_MS, TimeUnit.MILLISECONDS)) {
          LOG.warn("threads of {} did not end within {} ms", executor, SHUTDOWN_WAIT_MS);
        }
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
