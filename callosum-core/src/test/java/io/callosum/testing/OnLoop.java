package io.callosum.testing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Runs test code on a lower's I/O thread, where the code under test expects to be called, and waits
 * for it.
 */
public final class OnLoop {
  /** Code run on the loop, which may throw. */
  @FunctionalInterface
  public interface Work {
    void run() throws Exception;
  }

  private OnLoop() {}

  /**
   * Hands {@code work} to the loop through {@code post} (a loop's own {@code post}, false if the
   * loop has stopped) and waits up to {@link Await#LIMIT} three times over; throws what {@code
   * work} threw.
   */
  public static void run(Predicate<Runnable> post, Work work) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    boolean posted =
        post.test(
            () -> {
              try {
                work.run();
                done.complete(null);
              } catch (Throwable t) {
                done.completeExceptionally(t);
              }
            });
    if (!posted) {
      throw new IllegalStateException("the loop has stopped");
    }
    try {
      done.get(3 * Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception x) {
        throw x;
      }
      throw (Error) e.getCause();
    }
  }
}
