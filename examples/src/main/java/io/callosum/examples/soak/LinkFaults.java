package io.callosum.examples.soak;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The faults a {@link FaultProxy} applies to the bytes it moves right now: added latency, a
 * bandwidth cap and a stall, each for a period. The fault schedule sets them from its thread; the
 * proxy's pipe threads read them for every chunk, so a change applies to bytes already queued too.
 * Times are {@link System#nanoTime()} values (or the injected clock's).
 */
public final class LinkFaults {
  private final LongSupplier clock;
  private volatile long latencyNanos;
  private volatile long latencyUntil;
  private volatile long bytesPerSecond;
  private volatile long bandwidthUntil;
  private volatile long stalledUntil;

  /** Faults on the system clock. */
  public LinkFaults() {
    this(System::nanoTime);
  }

  /** Faults on {@code clock} (nanoseconds), for tests. */
  LinkFaults(LongSupplier clock) {
    this.clock = clock;
    long now = clock.getAsLong();
    latencyUntil = now;
    bandwidthUntil = now;
    stalledUntil = now;
  }

  /** Delays every byte by {@code latency} for the next {@code period}. */
  public void delay(Duration latency, Duration period) {
    latencyNanos = latency.toNanos();
    latencyUntil = clock.getAsLong() + period.toNanos();
  }

  /** Moves at most {@code bytesPerSecond} per direction for the next {@code period}. */
  public void cap(long bytesPerSecond, Duration period) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("bytesPerSecond must be positive: " + bytesPerSecond);
    }
    this.bytesPerSecond = bytesPerSecond;
    bandwidthUntil = clock.getAsLong() + period.toNanos();
  }

  /** Moves no byte in either direction for the next {@code period} (bytes wait, none are lost). */
  public void stall(Duration period) {
    stalledUntil = Math.max(stalledUntil, clock.getAsLong() + period.toNanos());
  }

  /** Ends every fault now. */
  public void clear() {
    long now = clock.getAsLong();
    latencyUntil = now;
    bandwidthUntil = now;
    stalledUntil = now;
  }

  /** The latency to add to bytes read at {@code now}: 0 outside a latency period. */
  long latencyNanos(long now) {
    return now - latencyUntil < 0 ? latencyNanos : 0;
  }

  /** The bandwidth cap at {@code now} in bytes per second, or 0 for none. */
  long bytesPerSecond(long now) {
    return now - bandwidthUntil < 0 ? bytesPerSecond : 0;
  }

  /** Until when (a {@code nanoTime}) nothing may move; in the past when not stalled. */
  long stalledUntil() {
    return stalledUntil;
  }

  long now() {
    return clock.getAsLong();
  }
}
