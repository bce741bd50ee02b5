package io.callosum.testing;

import io.callosum.BoundPeer;
import io.callosum.Invoker;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/** Helpers for tests that restart a server on its port and wait for a client to be served again. */
public final class Restarts {
  private Restarts() {}

  /**
   * Starts a bound peer made by {@code fresh}, retrying (with a fresh peer) while the port is still
   * busy from the previous server, at most {@link Await#LIMIT}.
   */
  public static BoundPeer bindAgain(Supplier<BoundPeer> fresh) {
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    while (true) {
      BoundPeer p = fresh.get();
      try {
        return p.start();
      } catch (UncheckedIOException e) {
        p.close();
        if (System.nanoTime() > deadline) {
          throw new AssertionError("cannot bind " + p.address() + " again", e);
        }
        LockSupport.parkNanos(20_000_000);
      }
    }
  }

  /**
   * The result of {@code client}'s call of {@code echo} with {@code value} (500 ms timeout), or
   * null if it failed, e.g. because the client is not connected yet; after a failure it pauses 10
   * ms, so that {@code Await.until(() -> value.equals(echoOrNull(...)))} does not spin.
   */
  public static Object echoOrNull(Invoker client, Object value) {
    try {
      return client
          .call("echo")
          .timeout(Duration.ofMillis(500))
          .invoke(value)
          .get(2, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      LockSupport.parkNanos(10_000_000);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
