package io.callosum;

/**
 * Serves a streaming method, registered with {@link Peer#handleStream}. Runs on the handler
 * executor like a {@link Handler}, under the same ordering and limits; it reads the caller's items
 * from {@code upstream} and sends its own through {@code downstream}, and its return value (or a
 * {@link java.util.concurrent.CompletionStage} of it) is the call's result.
 *
 * <p>When the handler returns, its {@code downstream} is completed if it is still open, and
 * whatever the caller still sends upstream is dropped. A call made without a stream in one
 * direction gives an upstream that has already ended, or a downstream whose sends throw {@link
 * IllegalStateException}. When the call is cancelled (by the caller, its timeout or a lost
 * connection), both streams end with {@link CallCancelledException} and the handler is interrupted
 * as any handler is.
 */
@FunctionalInterface
public interface StreamHandler {
  Object handle(CallContext context, Body argument, StreamSource upstream, StreamSink downstream)
      throws Exception;
}
