package io.callosum.benchmarks;

import org.HdrHistogram.Histogram;

/**
 * One side of a comparison, opened once per scenario and measured round after round, interleaved
 * with the other contenders. P1 and P2 contenders echo ({@link #throughput}, {@link #latency});
 * the other scenarios' contenders take one {@link #measure measurement} per round. All methods are
 * called from the harness thread only, one at a time.
 */
interface Contender extends AutoCloseable {
  /** The name in tables and files, e.g. {@code callosum-tcp}. */
  String name();

  /**
   * P1: keeps {@code inFlight} echoes outstanding for about {@code durationNanos}, then waits for
   * the last replies, and returns how many echoes completed.
   */
  default long throughput(int inFlight, long durationNanos) throws Exception {
    throw new UnsupportedOperationException(name() + " does not echo with calls in flight");
  }

  /** P2: echoes one call at a time for about {@code durationNanos}, recording each round trip in ns. */
  default void latency(Histogram histogram, long durationNanos) throws Exception {
    throw new UnsupportedOperationException(name() + " does not echo one call at a time");
  }

  /** P3–P7: one measurement of the scenario; its figures (and a latency histogram, if any) go to {@code m}. */
  default void measure(Measurement m) throws Exception {
    throw new UnsupportedOperationException(name() + " has no figures of its own");
  }

  /** Releases every thread and socket of the contender. */
  @Override
  void close();
}
