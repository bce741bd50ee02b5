package io.callosum.testing;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Bounded waits for tests: every wait has a limit, and failing it fails the test with a message.
 */
public final class Await {
  /** The longest any test waits for something that should happen promptly. */
  public static final Duration LIMIT = Duration.ofSeconds(10);

  private Await() {}

  /** Waits until {@code condition} holds, checking every millisecond, at most {@link #LIMIT}. */
  public static void until(String what, BooleanSupplier condition) {
    until(what, condition, () -> "");
  }

  /** As {@link #until(String, BooleanSupplier)}, adding {@code state} to the failure message. */
  public static void until(String what, BooleanSupplier condition, Supplier<String> state) {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what + " " + state.get());
      }
      LockSupport.parkNanos(1_000_000);
    }
  }

  /**
   * Checks that {@code condition} holds all through {@code window}, every millisecond: a bounded
   * wait for something that must not happen (a sender passing its window, a read returning early).
   */
  public static void holds(String what, BooleanSupplier condition, Duration window) {
    long end = System.nanoTime() + window.toNanos();
    do {
      if (!condition.getAsBoolean()) {
        throw new AssertionError("no longer true: " + what);
      }
      LockSupport.parkNanos(1_000_000);
    } while (System.nanoTime() < end);
  }

  /** The future's value, failing the test if it takes longer than {@link #LIMIT}. */
  public static <T> T result(CompletableFuture<T> f)
      throws ExecutionException, InterruptedException {
    try {
      return f.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("future did not complete within " + LIMIT, e);
    }
  }

  /** The exception the future failed with (unwrapped), failing the test if it succeeded or hung. */
  public static Throwable failure(CompletableFuture<?> f) throws InterruptedException {
    try {
      Object v = f.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
      throw new AssertionError("expected a failure, got " + v);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (CancellationException e) {
      return e;
    } catch (TimeoutException e) {
      throw new AssertionError("future did not complete within " + LIMIT, e);
    }
  }
}
