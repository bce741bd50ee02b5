package io.callosum.lower.tcp.internal;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Reconnect delays: exponential from {@code min} to {@code max}, each drawn at random from the
 * upper half of its step ("equal jitter"), so that clients cut off together do not all return
 * together. Not thread-safe (the loop thread owns it).
 */
public final class Backoff {
  private final long minNanos;
  private final long maxNanos;
  private final DoubleSupplier random;
  private int failures;

  /** {@code random} gives values in [0, 1); tests pass a fixed one. */
  Backoff(Duration min, Duration max, DoubleSupplier random) {
    this.minNanos = min.toNanos();
    this.maxNanos = max.toNanos();
    this.random = random;
  }

  /** The delay before the next attempt, in nanoseconds; each call counts one more failure. */
  public long next() {
    long step = minNanos << Math.min(failures, 30);
    if (step <= 0 || step > maxNanos) {
      step = maxNanos;
    }
    failures++;
    long half = step / 2;
    return half + (long) (random.getAsDouble() * (step - half));
  }

  /** After a success: the next failure starts again from {@code min}. */
  public void reset() {
    failures = 0;
  }
}
