package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.ReadBatch;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The burst pool: a burst of tasks is run by the thread that is awake, not one thread per task; a
 * task that blocks does not hold up the tasks behind it for good (at once if it says it waits, else
 * after the stall time, and then every task waiting gets a thread); shutting down runs or returns
 * what is queued and ends every thread. Waits are bounded; the one timing in play (the stall time)
 * is either an hour (so it never fires) or what the test waits for.
 */
class BurstPoolTest {
  private static final long HOUR = TimeUnit.HOURS.toNanos(1);
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final AtomicInteger made = new AtomicInteger();
  private final AtomicReference<Throwable> uncaught = new AtomicReference<>();
  private final ThreadFactory counting =
      r -> {
        made.incrementAndGet();
        Thread t = Threads.daemonFactory("pool-test").newThread(r);
        t.setUncaughtExceptionHandler((th, e) -> uncaught.set(e));
        return t;
      };
  private BurstPool pool;

  @AfterEach
  void end() throws InterruptedException {
    if (pool != null) {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS), "every thread ended");
      assertEquals(0, pool.threads());
    }
  }

  @Test
  void aBurstQueuedWhileAThreadRuns_isRunByThatThread_notByOneThreadPerTask() throws Exception {
    pool = new BurstPool(64, HOUR, HOUR, counting);
    int n = 100;
    CountDownLatch ran = new CountDownLatch(n);
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    pool.execute(
        () -> {
          for (int i = 0; i < n; i++) {
            pool.execute(
                () -> {
                  threads.add(Thread.currentThread());
                  ran.countDown();
                });
          }
        });
    assertTrue(ran.await(10, TimeUnit.SECONDS));
    assertEquals(1, threads.size(), "one thread ran the burst");
    assertTrue(made.get() <= 2, "one thread runs, one watches: " + made.get() + " threads made");
  }

  @Test
  void aTaskThatWaitsForALaterOne_seesItRun() throws Exception {
    pool = new BurstPool(64, MS, HOUR, counting);
    CountDownLatch later = new CountDownLatch(1);
    AtomicReference<Boolean> waited = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    pool.execute(
        () -> {
          pool.execute(later::countDown); // queued behind this task, which blocks on it
          try {
            waited.set(later.await(10, TimeUnit.SECONDS));
          } catch (InterruptedException e) {
            waited.set(false);
          }
          done.countDown();
        });
    assertTrue(done.await(20, TimeUnit.SECONDS));
    assertEquals(true, waited.get(), "another thread ran the task queued behind the blocked one");
  }

  @Test
  void aTaskThatSaysItWaits_letsTheTaskBehindItRunAtOnce() throws Exception {
    pool = new BurstPool(64, HOUR, HOUR, counting); // no stall ever detected: only the word counts
    CountDownLatch later = new CountDownLatch(1);
    AtomicReference<Boolean> waited = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    pool.execute(
        () -> {
          pool.execute(later::countDown); // queued behind this task, which waits for it
          Runnable awakeAgain = BurstPool.blocking();
          try {
            waited.set(later.await(10, TimeUnit.SECONDS));
          } catch (InterruptedException e) {
            waited.set(false);
          } finally {
            awakeAgain.run();
          }
          done.countDown();
        });
    assertTrue(done.await(20, TimeUnit.SECONDS));
    assertEquals(true, waited.get(), "another thread ran the task queued behind the waiting one");
    assertEquals(0, pool.stallJoins());
  }

  @Test
  void aWaitOutsideThePool_orWithinAWait_changesNothing() throws Exception {
    BurstPool.blocking().run(); // not a pool thread: a no-op
    pool = new BurstPool(64, HOUR, HOUR, counting);
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    CountDownLatch ran = new CountDownLatch(3);
    pool.execute(
        () -> {
          Runnable outer = BurstPool.blocking();
          Runnable inner = BurstPool.blocking(); // counted once
          inner.run();
          outer.run();
          for (int i = 0; i < 3; i++) {
            pool.execute(
                () -> {
                  threads.add(Thread.currentThread());
                  ran.countDown();
                });
          }
        });
    assertTrue(ran.await(10, TimeUnit.SECONDS));
    assertEquals(1, threads.size(), "awake again after the waits: the burst stays on one thread");
  }

  @Test
  void aStall_givesEveryTaskWaitingAThreadAtOnce() throws Exception {
    pool = new BurstPool(64, MS, HOUR, counting);
    int n = 12;
    CountDownLatch allStarted = new CountDownLatch(n);
    CountDownLatch done = new CountDownLatch(n);
    Runnable meetTheOthers =
        () -> {
          allStarted.countDown();
          try {
            allStarted.await(10, TimeUnit.SECONDS); // a wait nobody announces
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          done.countDown();
        };
    pool.execute(
        () -> {
          for (int i = 1; i < n; i++) {
            pool.execute(meetTheOthers); // all queued behind the first, which blocks
          }
          meetTheOthers.run();
        });
    assertTrue(done.await(20, TimeUnit.SECONDS));
    assertEquals(0, allStarted.getCount(), "every task ran at the same time");
    // One thread per stall would take n - 1 stalls; all at once takes one (a second only when a
    // woken thread has not started its task by the next stall time, as on a loaded machine).
    assertTrue(
        pool.stallJoins() < n / 2,
        pool.stallJoins() + " stalls: the waiting tasks came one by one");
  }

  @Test
  void shutdownNow_returnsWhatNeverStarted_andInterruptsWhatRuns() throws Exception {
    pool = new BurstPool(64, HOUR, HOUR, counting);
    CountDownLatch running = new CountDownLatch(1);
    AtomicReference<Boolean> interrupted = new AtomicReference<>();
    pool.execute(
        () -> {
          running.countDown();
          try {
            new CountDownLatch(1).await(10, TimeUnit.SECONDS);
            interrupted.set(false);
          } catch (InterruptedException e) {
            interrupted.set(true);
          }
        });
    assertTrue(running.await(10, TimeUnit.SECONDS));
    Runnable b = () -> {};
    Runnable c = () -> {};
    pool.execute(b);
    pool.execute(c);
    assertEquals(List.of(b, c), pool.shutdownNow());
    assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    assertEquals(true, interrupted.get());
    assertThrows(RejectedExecutionException.class, () -> pool.execute(() -> {}));
  }

  @Test
  void shutdown_runsWhatIsQueued_thenEveryThreadEnds() throws Exception {
    pool = new BurstPool(64, HOUR, HOUR, counting);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch queuedRan = new CountDownLatch(1);
    pool.execute(
        () -> {
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    pool.execute(queuedRan::countDown);
    pool.shutdown();
    assertThrows(RejectedExecutionException.class, () -> pool.execute(() -> {}));
    release.countDown();
    assertTrue(queuedRan.await(10, TimeUnit.SECONDS), "a task queued before shutdown runs");
    assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    assertTrue(pool.isTerminated());
  }

  @Test
  void idleThreadsEnd_andATaskThatThrowsDoesNotEndItsThread() throws Exception {
    pool = new BurstPool(64, MS, MS, counting); // a watcher left with nothing to watch ends too
    pool.execute(
        () -> {
          throw new IllegalStateException("boom");
        });
    CountDownLatch next = new CountDownLatch(1);
    pool.execute(next::countDown);
    assertTrue(next.await(10, TimeUnit.SECONDS));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (uncaught.get() == null || pool.threads() > 0) {
      assertTrue(System.nanoTime() < deadline, pool.threads() + " threads still alive");
      Thread.sleep(1);
    }
    assertEquals("boom", uncaught.get().getMessage());
    CountDownLatch again = new CountDownLatch(1);
    pool.execute(again::countDown);
    assertTrue(again.await(10, TimeUnit.SECONDS), "a new thread starts for new work");
  }

  @Test
  void whatAReadRoundHandsOverAtItsEnd_startsThen_onOneThread_inOrder() throws Exception {
    pool = new BurstPool(64, HOUR, HOUR, counting);
    int n = 20;
    List<Integer> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    CountDownLatch done = new CountDownLatch(n);
    ReadBatch.beginHandingOverAtEnd();
    try {
      for (int i = 0; i < n; i++) {
        int task = i;
        pool.execute(
            () -> {
              ran.add(task);
              threads.add(Thread.currentThread());
              done.countDown();
            });
      }
      assertEquals(0, made.get(), "nothing is queued, no thread woken, before the round ends");
    } finally {
      ReadBatch.end();
    }
    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertEquals(java.util.stream.IntStream.range(0, n).boxed().toList(), ran);
    assertEquals(1, threads.size(), "one thread ran the round's tasks");
  }

  @Test
  void aPlainReadRoundHandsEachTaskOverAtOnce() throws Exception {
    pool = new BurstPool(64, HOUR, HOUR, counting);
    CountDownLatch ran = new CountDownLatch(1);
    ReadBatch.begin();
    try {
      pool.execute(ran::countDown);
      assertEquals(1, made.get(), "a thread is started for the task at once");
      assertTrue(ran.await(10, TimeUnit.SECONDS), "and runs it before the round ends");
    } finally {
      ReadBatch.end();
    }
  }
}
