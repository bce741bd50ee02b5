package io.callosum;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Blocking access to call futures, unwrapping their {@link CallosumException}. */
public final class Futures {
  private Futures() {}

  /**
   * Waits for {@code future} and returns its value. Throws the {@link CallosumException} it failed
   * with (not wrapped); an interrupt cancels the call and throws {@link CallCancelledException}
   * with the interrupt flag set again.
   */
  public static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new CallCancelledException("interrupted while waiting for the call", e);
    } catch (ExecutionException | CompletionException e) {
      throw unwrap(e.getCause());
    } catch (CancellationException e) {
      throw new CallCancelledException("call cancelled", e);
    }
  }

  static RuntimeException unwrap(Throwable t) {
    if (t instanceof RuntimeException runtimeException) {
      return runtimeException;
    }
    if (t instanceof Error error) {
      throw error;
    }
    return new CallosumException(ErrorCode.REMOTE_INTERNAL_ERROR, String.valueOf(t), t);
  }
}
