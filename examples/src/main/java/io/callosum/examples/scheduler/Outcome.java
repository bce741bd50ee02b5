package io.callosum.examples.scheduler;

import java.util.Arrays;

/**
 * What one run of calls measured: its time from the first call to the last reply, each call's
 * latency (call to reply) and the calls each worker served.
 */
final class Outcome {
  final Requester.Policy policy;
  final int calls;
  final long nanos;
  private final long[] sortedLatencies;
  private final long[] perWorker;

  Outcome(Requester.Policy policy, int calls, long nanos, long[] latencies, long[] perWorker) {
    this.policy = policy;
    this.calls = calls;
    this.nanos = nanos;
    this.sortedLatencies = latencies.clone();
    Arrays.sort(sortedLatencies);
    this.perWorker = perWorker.clone();
  }

  double millis() {
    return nanos / 1e6;
  }

  double callsPerSecond() {
    return calls / (nanos / 1e9);
  }

  /** The latency at quantile {@code q} (0 to 1, nearest rank), in milliseconds. */
  double latencyMillis(double q) {
    int rank = (int) Math.ceil(q * sortedLatencies.length);
    return sortedLatencies[Math.max(0, Math.min(sortedLatencies.length - 1, rank - 1))] / 1e6;
  }

  /** The calls worker {@code w} served. */
  long served(int w) {
    return perWorker[w];
  }
}
