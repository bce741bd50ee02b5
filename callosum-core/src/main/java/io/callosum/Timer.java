package io.callosum;

import java.time.Duration;

/**
 * The time source of a peer: call timeouts and execution timeouts are scheduled on it. The default
 * runs on one daemon thread per peer, started lazily and stopped on close. Tests inject a manual
 * timer and advance it instead of sleeping. Implementations must be thread-safe; tasks must be
 * short and non-blocking (they only complete futures and send CANCEL).
 */
public interface Timer {
  /** Monotonic time in nanoseconds (like {@link System#nanoTime()}). */
  long nanoTime();

  /** Runs {@code task} once after {@code delay}, unless cancelled first. */
  Scheduled schedule(Duration delay, Runnable task);

  /** A scheduled task. */
  interface Scheduled {
    /** Prevents the task from running if it has not run yet. Idempotent. */
    void cancel();
  }
}
