package io.callosum.examples.scheduler;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The requester's view of its workers' free capacity, from their adverts: {@link #pick} names the
 * worker with the most free slots by its last advert, minus the calls sent to it that the advert
 * does not count yet, and waits while none has any. Adverts arrive on the advert receiver's thread
 * ({@link #advert}); the requester's thread picks. Thread-safe.
 */
final class CapacityBoard {
  /** Per worker: free slots and accepted calls by its last advert, calls sent; guarded by this. */
  private final long[] free;

  private final long[] accepted;
  private final long[] sent;
  private final boolean[] heard;

  /** Where the next scan for the most free capacity starts, so that ties take turns. */
  private int start;

  CapacityBoard(int workers) {
    free = new long[workers];
    accepted = new long[workers];
    sent = new long[workers];
    heard = new boolean[workers];
  }

  /** Takes an advert: it replaces the last one of its worker unless it is older. */
  synchronized void advert(Jobs.Capacity c) {
    int w = c.worker();
    if (w < 0 || w >= free.length) {
      return; // not one of this requester's workers
    }
    if (c.accepted() >= accepted[w]) {
      free[w] = c.free();
      accepted[w] = c.accepted();
      heard[w] = true;
      notifyAll();
    }
  }

  /** Waits until every worker has advertised once (the first adverts may precede the wiring). */
  synchronized void awaitEveryWorker(Duration timeout)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int w = 0; w < heard.length; w++) {
      while (!heard[w]) {
        waitUntil(deadline, "worker " + w + " sent no advert in " + timeout.toSeconds() + " s");
      }
    }
  }

  /**
   * The worker with the most free capacity, counted as sent to; waits for an advert while none has
   * any, at most {@code timeout}.
   */
  synchronized int pick(Duration timeout) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      int best = -1;
      long bestFree = 0;
      for (int i = 0; i < free.length; i++) {
        int w = (start + i) % free.length;
        long estimate = free[w] - (sent[w] - accepted[w]);
        if (estimate > bestFree) {
          best = w;
          bestFree = estimate;
        }
      }
      if (best >= 0) {
        start = (best + 1) % free.length;
        sent[best]++;
        return best;
      }
      waitUntil(deadline, "no worker advertised free capacity for " + timeout.toSeconds() + " s");
    }
  }

  /** Counts a call sent to {@code worker} without {@link #pick} (by another policy). */
  synchronized void sent(int worker) {
    sent[worker]++;
  }

  private void waitUntil(long deadline, String what) throws InterruptedException, TimeoutException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new TimeoutException(what);
    }
    TimeUnit.NANOSECONDS.timedWait(this, left);
  }
}
