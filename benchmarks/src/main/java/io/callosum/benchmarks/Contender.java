package io.callosum.benchmarks;

import org.HdrHistogram.Histogram;

/**
 * One side of a comparison: an echo service and its client, opened once per scenario and measured
 * round after round, interleaved with the other contenders. All methods are called from the
 * harness thread only, one at a time.
 */
interface Contender extends AutoCloseable {
  /** The name in tables and files, e.g. {@code callosum-tcp}. */
  String name();

  /**
   * Keeps {@code inFlight} echoes outstanding for about {@code durationNanos}, then waits for the
   * last replies, and returns how many echoes completed.
   */
  long throughput(int inFlight, long durationNanos) throws Exception;

  /** Echoes one call at a time for about {@code durationNanos}, recording each round trip in ns. */
  void latency(Histogram histogram, long durationNanos) throws Exception;

  /** Releases every thread and socket of the contender. */
  @Override
  void close();
}
