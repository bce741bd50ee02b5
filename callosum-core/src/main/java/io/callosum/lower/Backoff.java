package io.callosum.lower;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Delays before trying a lost connection again: doubling from {@code min} to {@code max}, each
 * drawn at random from the upper half of its step ("equal jitter"), so that clients cut off
 * together do not all return together. For lowers that reconnect and for clients that retry an
 * endpoint. Not thread-safe: its owner calls it from one thread or under its lock.
 */
public final class Backoff {
  private final long minNanos;
  private final long maxNanos;
  private final DoubleSupplier random;
  private int failures;

  /**
   * {@code random} gives values in [0, 1) (e.g. {@code ThreadLocalRandom.current()::nextDouble});
   * tests pass a fixed one.
   */
  public Backoff(Duration min, Duration max, DoubleSupplier random) {
    if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
      throw new IllegalArgumentException("backoff needs 0 < min <= max: " + min + ", " + max);
    }
    this.minNanos = min.toNanos();
    this.maxNanos = max.toNanos();
    this.random = random;
  }

  /** The delay before the next attempt, in nanoseconds; each call counts one more failure. */
  public long next() {
    long step = minNanos;
    for (int i = 0; i < failures && step < maxNanos; i++) {
      step = step > maxNanos / 2 ? maxNanos : step * 2;
    }
    if (step < maxNanos) {
      failures++; // counting on past max would only lengthen the loop
    }
    long half = step / 2;
    return half + (long) (random.getAsDouble() * (step - half));
  }

  /** After a success: the next failure starts again from {@code min}. */
  public void reset() {
    failures = 0;
  }
}
