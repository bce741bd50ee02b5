package io.callosum;

import java.util.concurrent.CompletableFuture;

/**
 * Something that calls methods of a remote peer: a {@link RemotePeer}, or a {@link ConnectedPeer}
 * (which calls its one remote). All methods are thread-safe and never block, except the {@code
 * ...AndWait} conveniences.
 */
public interface Invoker {
  /** Starts building a call of {@code method} with an order key, timeout or compression. */
  Invocation call(String method);

  /** Calls {@code method} with {@code body}; the future holds the result in generic form. */
  default CompletableFuture<Object> invoke(String method, Object body) {
    return call(method).invoke(body);
  }

  /**
   * Calls {@code method} with {@code body}; the future holds the result decoded as {@code type}.
   */
  default <T> CompletableFuture<T> invoke(String method, Object body, Class<T> type) {
    return call(method).invoke(body, type);
  }

  /**
   * Blocking form of {@link #invoke(String, Object)}; throws the call's {@link CallosumException}.
   */
  default Object invokeAndWait(String method, Object body) {
    return call(method).invokeAndWait(body);
  }

  /** Blocking form of {@link #invoke(String, Object, Class)}. */
  default <T> T invokeAndWait(String method, Object body, Class<T> type) {
    return call(method).invokeAndWait(body, type);
  }
}
