package io.callosum.benchmarks;

import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.Histogram;

/**
 * A contender whose client returns a future per call; the harness drives it with a {@link
 * ClosedLoop}.
 */
abstract class AsyncContender implements Contender {
  /** Sends one echo of {@code body}; the future completes with the reply. */
  abstract CompletableFuture<?> echo(byte[] body);

  @Override
  public final long throughput(int inFlight, long durationNanos) throws Exception {
    return ClosedLoop.throughput(this::echo, Bench.BODY, inFlight, durationNanos);
  }

  @Override
  public final void latency(Histogram histogram, long durationNanos) throws Exception {
    ClosedLoop.latency(this::echo, Bench.BODY, histogram, durationNanos);
  }
}
