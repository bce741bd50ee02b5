package io.callosum.internal.balance;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Delays before an ejected endpoint is tried again: doubling from {@code min} to {@code max}, each
 * drawn at random from the upper half of its step, so that clients that lost a server together do
 * not all return together. Not thread-safe: its {@link Backend} calls it under its lock.
 */
final class Backoff {
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

  /** The delay after one more failure, in nanoseconds. */
  long next() {
    long step = minNanos;
    for (int i = 0; i < failures && step < maxNanos; i++) {
      step = step > maxNanos / 2 ? maxNanos : step * 2;
    }
    step = Math.min(step, maxNanos);
    if (step < maxNanos) {
      failures++; // counting on past max would only lengthen the loop
    }
    long half = step / 2;
    return half + (long) (random.getAsDouble() * (step - half));
  }

  /** After a connect that succeeded: the next failure starts again from {@code min}. */
  void reset() {
    failures = 0;
  }
}
