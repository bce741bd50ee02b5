package io.callosum.lower;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Reconnect delays double from min to max, each drawn from the upper half of its step, and restart
 * after a success.
 */
class BackoffTest {
  private static final long MS = 1_000_000;

  @Test
  void delaysDoubleUpToTheMaximumWithinTheirJitterRange() {
    double[] r = {0.0};
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000), () -> r[0]);
    long[] lowest = {50, 100, 200, 400, 500, 500};
    for (long expected : lowest) {
      assertEquals(expected * MS, b.next());
    }
    b.reset();
    r[0] = 0.999_999_999;
    long[] highest = {100, 200, 400, 800, 1000, 1000};
    for (long expected : highest) {
      assertEquals(expected * MS, b.next(), 1);
    }
  }

  @Test
  void manyFailuresNeverOverflow() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), () -> 0.5);
    for (int i = 0; i < 200; i++) {
      b.next();
    }
    assertEquals(7_500 * MS, b.next());
  }

  @Test
  void aHugeRangeNeverOverflows() {
    Backoff huge = new Backoff(Duration.ofNanos(1), Duration.ofDays(365), () -> 0.0);
    for (int i = 0; i < 200; i++) {
      assertTrue(huge.next() >= 0, "no overflow after many failures");
    }
  }

  @Test
  void aRangeWithoutAStepIsRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), () -> 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), () -> 0));
  }
}
