package io.callosum.benchmarks;

/**
 * One raw figure: a metric of one contender in one round of one case (metric names: here and {@link
 * CallCost}).
 */
record Sample(
    Scenario scenario, int inFlight, String contender, int round, String metric, double value) {
  static final String CALLS_PER_SECOND = "calls_per_s";
  static final String P50 = "p50_us";
  static final String P99 = "p99_us";
  static final String P999 = "p99.9_us";
}
