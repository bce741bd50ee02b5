package io.callosum;

import io.callosum.internal.NonBlockingHandler;
import java.util.Objects;

/**
 * Serves one method. A handler returns the result value (encoded by the peer's codec, or sent as is
 * if it is a {@link Payload}), or a {@link java.util.concurrent.CompletionStage} of it for an
 * asynchronous handler. A thrown exception (or a failed stage) reaches the caller as a {@link
 * RemoteUserException} carrying its class name, message and stack trace.
 *
 * <p>Threading: synchronous handlers run on the peer's handler executor (virtual threads on JVMs
 * that have them), or where the call starts if marked {@link #nonBlocking}. On cancellation (caller
 * timeout, CANCEL, execution timeout, disconnect) the handler's thread is interrupted, or its
 * returned stage is cancelled, and {@link CallContext#isCancelled()} turns true.
 */
@FunctionalInterface
public interface Handler {
  Object handle(CallContext context, Body body) throws Exception;

  /**
   * Marks {@code handler} as one that never blocks — no I/O, no sleeping, no waiting for a lock
   * held long or for another call — so the peer runs it on the thread that starts the call (the
   * lower's I/O thread, for a call that arrives and can start at once) instead of handing it to the
   * handler executor: one thread hand-off, and the wake-up it costs, fewer per call. A handler that
   * blocks there stalls every connection that thread serves. One that has slow work to do returns a
   * {@link java.util.concurrent.CompletionStage} and does it elsewhere. Ordering, limits, deadlines
   * and cancellation apply as to any handler.
   */
  static Handler nonBlocking(Handler handler) {
    return new NonBlockingHandler(Objects.requireNonNull(handler));
  }

  /** A handler that receives its body decoded as {@code type}. */
  static <T> Handler typed(Class<T> type, Typed<T> handler) {
    return (context, body) -> handler.handle(context, body.as(type));
  }

  /** The function behind {@link #typed}. */
  @FunctionalInterface
  interface Typed<T> {
    Object handle(CallContext context, T body) throws Exception;
  }
}
