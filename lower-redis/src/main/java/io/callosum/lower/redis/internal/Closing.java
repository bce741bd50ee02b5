package io.callosum.lower.redis.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Bounded waits of a close: a close never hangs on Redis, and keeps the interrupt. */
final class Closing {
  private static final Logger LOG = LoggerFactory.getLogger(Closing.class);

  private Closing() {}

  /** Waits for {@code done} at most {@code limit}; a failure or a timeout is logged, not thrown. */
  static void await(CompletableFuture<?> done, Duration limit) {
    try {
      done.get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.debug("a close did not finish its Redis commands: {}", e.toString());
    }
  }
}
