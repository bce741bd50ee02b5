package io.callosum;

/**
 * Serves one method. A handler returns the result value (encoded by the peer's codec, or sent as is
 * if it is a {@link Payload}), or a {@link java.util.concurrent.CompletionStage} of it for an
 * asynchronous handler. A thrown exception (or a failed stage) reaches the caller as a {@link
 * RemoteUserException} carrying its class name, message and stack trace.
 *
 * <p>Threading: synchronous handlers run on the peer's handler executor (virtual threads on JVMs
 * that have them). On cancellation (caller timeout, CANCEL, execution timeout, disconnect) the
 * handler's thread is interrupted, or its returned stage is cancelled, and {@link
 * CallContext#isCancelled()} turns true.
 */
@FunctionalInterface
public interface Handler {
  Object handle(CallContext context, Body body) throws Exception;

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
