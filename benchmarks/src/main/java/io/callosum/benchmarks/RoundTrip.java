package io.callosum.benchmarks;

import org.HdrHistogram.Histogram;

/** One synchronous echo: send, then wait for the reply. */
@FunctionalInterface
interface RoundTrip {
  void once() throws Exception;

  /**
   * Repeats {@code roundTrip} one at a time for about {@code durationNanos}, recording each in ns.
   */
  static void record(RoundTrip roundTrip, Histogram histogram, long durationNanos)
      throws Exception {
    long deadline = System.nanoTime() + durationNanos;
    long now;
    do {
      long start = System.nanoTime();
      roundTrip.once();
      now = System.nanoTime();
      histogram.recordValue(now - start);
    } while (now - deadline < 0);
  }
}
