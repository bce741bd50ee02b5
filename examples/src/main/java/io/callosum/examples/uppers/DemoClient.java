package io.callosum.examples.uppers;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** The demo service as a caller sees it, whatever the upper (see {@link DemoUpper}). */
public interface DemoClient {
  CompletableFuture<String> echo(String text);

  CompletableFuture<Long> add(long a, long b);

  /** Completes exceptionally with the upper's declared error, which carries {@code reason}. */
  CompletableFuture<Void> fail(String reason);

  /**
   * Sleeps {@code millis} at the server; with {@code timeout} shorter, fails with {@code
   * CallTimeoutException}.
   */
  CompletableFuture<Void> slow(long millis, Duration timeout);

  /**
   * The next number of {@code key}'s sequence (1, 2, 3...), sent with {@code key} as the order key.
   */
  CompletableFuture<Long> next(String key);
}
