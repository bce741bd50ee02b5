package io.callosum;

import java.lang.reflect.Type;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One call being prepared: method, order key, timeout, compression and metadata, then {@code
 * invoke} with a body. Obtained from {@link Invoker#call(String)}; not thread-safe while being
 * configured, and may be invoked several times (each invoke is a separate call).
 *
 * <p>The returned future completes on the peer's callback executor, or, when that is the peer's own
 * and a thread is blocked in its {@code get} or {@code join} as the reply comes, on that thread (a
 * synchronous call then costs no hand-off to the callback executor). Cancelling it ({@code
 * cancel(true)}) sends CANCEL to the remote, which cancels the handler. On timeout the future fails
 * with {@link CallTimeoutException} and CANCEL is sent too.
 */
public interface Invocation {
  /** Sets the order key (msgpack str). */
  default Invocation orderKey(String key) {
    return orderKey(OrderKey.of(key));
  }

  /** Sets the order key (msgpack bin). */
  default Invocation orderKey(byte[] key) {
    return orderKey(OrderKey.ofBytes(key));
  }

  /** Sets the order key. */
  Invocation orderKey(OrderKey key);

  /**
   * Fails the call with {@link CallTimeoutException} after {@code timeout}; null for none. The
   * timeout is also the call's deadline: it travels with the call (to remotes that announce {@link
   * io.callosum.lower.Capabilities#DEADLINE}), and the remote stops serving it when it passes. A
   * call made while serving another (on its handler's thread, or through its {@link
   * CallContext#caller()}) times out no later than that call's deadline, whatever is set here.
   */
  Invocation timeout(Duration timeout);

  /** Compresses the body with snappy (the {@code zip} header flag). */
  Invocation compress(boolean compress);

  /**
   * Sets the call's metadata (replacing any set before); interceptors may add to it. It reaches
   * only remotes that announce {@link io.callosum.lower.Capabilities#METADATA} (never a Python
   * Callosum peer), and more than {@link Limits#maxMetadataEntries()} entries or {@link
   * Limits#maxMetadataSize()} bytes fail the call locally with {@link MessageTooLargeException}.
   */
  Invocation metadata(Metadata metadata);

  /** Sends the call; the result arrives in the codec's generic form. */
  CompletableFuture<Object> invoke(Object body);

  /** Sends the call; the result is decoded as {@code type}. */
  <T> CompletableFuture<T> invoke(Object body, Type type);

  /**
   * Sends the call; the result is decoded as {@code type}, which also gives the future its type:
   * {@code Greeting g = peer.call("greet").invoke(p, Greeting.class).join()}.
   */
  default <T> CompletableFuture<T> invoke(Object body, Class<T> type) {
    return invoke(body, (Type) type);
  }

  /**
   * Sends the call; the result is decoded as {@code type} and comes with the metadata of the reply
   * ({@link CallContext#setReplyMetadata}).
   */
  <T> CompletableFuture<Reply<T>> invokeForReply(Object body, Class<T> type);

  /** Sends pre-encoded bytes and returns the raw result bytes, bypassing the codec. */
  CompletableFuture<Payload> invokeRaw(Payload body);

  /**
   * Calls a streaming method whose handler sends items back: read them from {@link
   * StreamCall#downstream()}. The remote must announce streams (a Python Callosum peer does not:
   * the call then fails at once with {@link UnsupportedByRemoteException}).
   */
  StreamCall serverStream(Object body);

  /** Calls a streaming method and sends it items through {@link StreamCall#upstream()}. */
  StreamCall clientStream(Object body);

  /** Calls a streaming method with a stream in each direction. */
  StreamCall bidiStream(Object body);

  /** Blocking {@link #invoke(Object)}: throws the call's {@link CallosumException}. */
  default Object invokeAndWait(Object body) {
    return Futures.await(invoke(body));
  }

  /** Blocking {@link #invoke(Object, Type)}. */
  default <T> T invokeAndWait(Object body, Class<T> type) {
    return Futures.await(this.<T>invoke(body, type));
  }
}
