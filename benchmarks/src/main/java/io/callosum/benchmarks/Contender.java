package io.callosum.benchmarks;

import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * One side of a comparison, opened once per scenario and measured round after round, interleaved
 * with the other contenders. P1 and P2 contenders echo ({@link #throughput}, {@link #latency}); the
 * other scenarios' contenders take one {@link #measure measurement} per round. Its client side runs
 * in the harness JVM, its serving side in worker JVMs ({@link #servers}). All methods are called
 * from the harness thread only, one at a time (the constructor may run on another thread while
 * contenders open in parallel).
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

  /**
   * P2: echoes one call at a time for about {@code durationNanos}, recording each round trip in ns.
   */
  default void latency(Histogram histogram, long durationNanos) throws Exception {
    throw new UnsupportedOperationException(name() + " does not echo one call at a time");
  }

  /**
   * P3–P7: one measurement of the scenario; its figures (and a latency histogram, if any) go to
   * {@code m}.
   */
  default void measure(Measurement m) throws Exception {
    throw new UnsupportedOperationException(name() + " has no figures of its own");
  }

  /**
   * The serving sides of this contender; those in worker JVMs are measured with the harness's own
   * usage.
   */
  default List<Server> servers() {
    return List.of();
  }

  /** Whether every part of this contender runs in the harness JVM. */
  default boolean sameJvm() {
    return servers().stream().noneMatch(s -> s.pid().isPresent());
  }

  /** The worker processes of this contender. */
  default List<Long> pids() {
    return servers().stream()
        .filter(s -> s.pid().isPresent())
        .map(s -> s.pid().getAsLong())
        .toList();
  }

  /** Releases every thread, socket and worker JVM of the contender. */
  @Override
  void close();
}
