package io.callosum;

import java.util.concurrent.CompletableFuture;

/**
 * A call with streams, made by {@link Invocation#serverStream}, {@link Invocation#clientStream} or
 * {@link Invocation#bidiStream}: the items it sends to the handler ({@link #upstream()}), the items
 * the handler sends back ({@link #downstream()}), and its result.
 *
 * <p>If the call cannot be made (not connected, a remote without streams such as a Python Callosum
 * peer, too many calls in flight), the result fails at once and both streams have ended with the
 * same error. Thread-safe.
 */
public interface StreamCall {
  /**
   * The stream to the handler (its {@code upstream}); already completed for {@code serverStream}.
   */
  StreamSink upstream();

  /**
   * The stream from the handler (its {@code downstream}); empty and completed for {@code
   * clientStream}.
   */
  StreamSource downstream();

  /** The handler's return value, in the codec's generic form, once the call has ended. */
  CompletableFuture<Object> result();

  /** Cancels the call (a CANCEL reaches the handler); both streams end. */
  default boolean cancel() {
    return result().cancel(true);
  }
}
