package io.callosum.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * Drives an asynchronous echo client: a closed loop of {@code n} chains, each sending its next call
 * as soon as its previous one completes, so that exactly {@code n} calls are in flight.
 */
final class ClosedLoop {
  private static final long DRAIN_SECONDS = 30;

  private ClosedLoop() {}

  static long throughput(
      Function<byte[], CompletableFuture<?>> echo, byte[] body, int inFlight, long durationNanos)
      throws InterruptedException {
    Run run = new Run(echo, body, System.nanoTime() + durationNanos, inFlight);
    for (int i = 0; i < inFlight; i++) {
      run.next();
    }
    if (!run.chains.await(
        TimeUnit.NANOSECONDS.toSeconds(durationNanos) + DRAIN_SECONDS, TimeUnit.SECONDS)) {
      throw new IllegalStateException(run.chains.getCount() + " calls never completed");
    }
    Throwable failure = run.failure.get();
    if (failure != null) {
      throw new IllegalStateException("echo failed: " + failure, failure);
    }
    return run.done.sum();
  }

  static void latency(
      Function<byte[], CompletableFuture<?>> echo,
      byte[] body,
      Histogram histogram,
      long durationNanos)
      throws Exception {
    RoundTrip.record(
        () -> echo.apply(body).get(DRAIN_SECONDS, TimeUnit.SECONDS), histogram, durationNanos);
  }

  private static final class Run {
    final Function<byte[], CompletableFuture<?>> echo;
    final byte[] body;
    final long deadline;
    final CountDownLatch chains;
    final LongAdder done = new LongAdder();
    final AtomicReference<Throwable> failure = new AtomicReference<>();

    Run(Function<byte[], CompletableFuture<?>> echo, byte[] body, long deadline, int chains) {
      this.echo = echo;
      this.body = body;
      this.deadline = deadline;
      this.chains = new CountDownLatch(chains);
    }

    /**
     * Sends calls until one is pending; a call that completes inline loops here instead of
     * recursing.
     */
    void next() {
      while (true) {
        if (System.nanoTime() - deadline >= 0 || failure.get() != null) {
          chains.countDown();
          return;
        }
        CompletableFuture<?> call;
        try {
          call = echo.apply(body);
        } catch (RuntimeException e) {
          fail(e);
          return;
        }
        // The actions below record any failure and throw nothing: their stages hold nothing more.
        if (!call.isDone()) {
          var unused =
              call.whenComplete(
                  (reply, error) -> {
                    if (error != null) {
                      fail(error);
                    } else {
                      done.increment();
                      next();
                    }
                  });
          return;
        }
        if (call.isCompletedExceptionally()) {
          var unused = call.whenComplete((reply, error) -> fail(error));
          return;
        }
        done.increment();
      }
    }

    void fail(Throwable error) {
      failure.compareAndSet(null, error);
      chains.countDown();
    }
  }
}
