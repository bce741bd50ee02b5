package io.callosum.examples.scheduler;

import io.callosum.examples.ExampleFailure;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The requester: fans calls out over the workers by one {@link Policy} and measures them. {@link
 * #run} is called by one thread at a time; replies complete on the peers' callback threads.
 */
final class Requester {
  /** How long a call, or a wait for capacity, may take before the run fails. */
  static final Duration WAIT = Duration.ofSeconds(30);

  /** How the requester chooses the worker of each call. */
  enum Policy {
    /** The worker with the most free capacity by the adverts; waits while none has any. */
    BY_CAPACITY("by capacity"),
    /** The workers in turn, with at most as many calls in flight as they have slots. */
    ROUND_ROBIN("round robin");

    final String label;

    Policy(String label) {
      this.label = label;
    }
  }

  private final List<Jobs> workers;
  private final CapacityBoard board;
  private final int window;

  /**
   * @param workers the workers' stubs, by index
   * @param board their adverts
   * @param window calls in flight at most under round robin: all the workers' slots
   */
  Requester(List<Jobs> workers, CapacityBoard board, int window) {
    this.workers = workers;
    this.board = board;
    this.window = window;
  }

  /** Makes {@code calls} calls by {@code policy}; fails if one fails. */
  Outcome run(Policy policy, int calls)
      throws InterruptedException, TimeoutException, ExampleFailure {
    long[] latencies = new long[calls];
    AtomicLongArray perWorker = new AtomicLongArray(workers.size());
    AtomicReference<ExampleFailure> failure = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(calls);
    Semaphore inFlight = new Semaphore(window);
    long begin = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      int w;
      if (policy == Policy.BY_CAPACITY) {
        w = board.pick(WAIT);
      } else {
        if (!inFlight.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new TimeoutException("no call completed for " + WAIT.toSeconds() + " s");
        }
        w = i % workers.size();
        board.sent(w);
      }
      int call = i;
      long sent = System.nanoTime();
      // The action records the outcome and throws nothing: its own stage holds nothing more.
      var unused =
          workers
              .get(w)
              .run(call)
              .whenComplete(
                  (job, error) -> {
                    latencies[call] = System.nanoTime() - sent;
                    perWorker.incrementAndGet(w);
                    if (error != null) {
                      failure.compareAndSet(
                          null,
                          new ExampleFailure(
                              "a call to worker " + w + " failed: " + error.getMessage(), error));
                    }
                    inFlight.release();
                    done.countDown();
                  });
    }
    if (!done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new TimeoutException(
          done.getCount() + " calls got no reply in " + WAIT.toSeconds() + " s");
    }
    long nanos = System.nanoTime() - begin;
    if (failure.get() != null) {
      throw failure.get();
    }
    long[] loads = new long[workers.size()];
    for (int w = 0; w < loads.length; w++) {
      loads[w] = perWorker.get(w);
    }
    return new Outcome(policy, calls, nanos, latencies, loads);
  }
}
