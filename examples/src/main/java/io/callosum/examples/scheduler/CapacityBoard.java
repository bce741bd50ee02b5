package io.callosum.examples.scheduler;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * The requester's view of its workers' free capacity, from their adverts: {@link #pick} names the
 * worker with the most free slots by its last advert, minus the calls sent to it that the advert
 * does not count yet, and waits for adverts while none has any. Used by the requester's thread
 * alone, which also takes the adverts from their receiver: no hand-over between threads on the way
 * from an advert to the call it lets go.
 */
final class CapacityBoard {
  /** Where the adverts come from: the next one, waiting at most {@code timeout}; null if none. */
  interface Adverts {
    Jobs.Capacity next(Duration timeout) throws InterruptedException;
  }

  private final Adverts adverts;

  /** Per worker: free slots and accepted calls by its last advert, and calls sent. */
  private final long[] free;

  private final long[] accepted;
  private final long[] sent;
  private final boolean[] heard;

  /** Where the next scan for the most free capacity starts, so that ties take turns. */
  private int start;

  CapacityBoard(int workers, Adverts adverts) {
    this.adverts = adverts;
    free = new long[workers];
    accepted = new long[workers];
    sent = new long[workers];
    heard = new boolean[workers];
  }

  /** Waits until every worker has advertised once (the first adverts may precede the wiring). */
  void awaitEveryWorker(Duration timeout) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int w = 0; w < heard.length; w++) {
      while (!heard[w]) {
        await(deadline, "worker " + w + " sent no advert in " + timeout.toSeconds() + " s");
      }
    }
  }

  /**
   * The worker with the most free capacity, counted as sent to; waits for adverts while none has
   * any, at most {@code timeout}.
   */
  int pick(Duration timeout) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    takeWaiting();
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
      await(deadline, "no worker advertised free capacity for " + timeout.toSeconds() + " s");
    }
  }

  /** Counts a call sent to {@code worker} without {@link #pick} (by another policy). */
  void sent(int worker) throws InterruptedException {
    sent[worker]++;
    takeWaiting(); // so that adverts do not pile up while another policy runs
  }

  /** Takes the adverts that have come, without waiting. */
  private void takeWaiting() throws InterruptedException {
    for (Jobs.Capacity c; (c = adverts.next(Duration.ZERO)) != null; ) {
      take(c);
    }
  }

  /** Waits for one advert, until {@code deadline}. */
  private void await(long deadline, String what) throws InterruptedException, TimeoutException {
    long left = deadline - System.nanoTime();
    Jobs.Capacity c = left > 0 ? adverts.next(Duration.ofNanos(left)) : null;
    if (c == null) {
      throw new TimeoutException(what);
    }
    take(c);
    takeWaiting();
  }

  /** An advert replaces the last one of its worker unless it is older. */
  private void take(Jobs.Capacity c) {
    int w = c.worker();
    if (w < 0 || w >= free.length) {
      return; // not one of this requester's workers
    }
    if (c.accepted() >= accepted[w]) {
      free[w] = c.free();
      accepted[w] = c.accepted();
      heard[w] = true;
    }
  }
}
