package io.callosum;

import java.lang.reflect.Type;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One call being prepared: method, order key, timeout and compression, then {@code invoke} with a
 * body. Obtained from {@link Invoker#call(String)}; not thread-safe while being configured, and may
 * be invoked several times (each invoke is a separate call).
 *
 * <p>The returned future completes on the peer's callback executor, or, when that is the peer's own
 * and a thread is blocked in its {@code get} or {@code join} as the reply comes, on that thread (a
 * synchronous call then costs no hand-off to the callback executor). Cancelling it ({@code
 * cancel(true)}) sends CANCEL to the remote, which cancels the handler. On timeout the future fails
 * with {@link CallTimeoutException} and CANCEL is sent too.
 */
public interface Invocation {
  /** Sets the order key (msgpack str). */
  Invocation orderKey(String key);

  /** Sets the order key (msgpack bin). */
  Invocation orderKey(byte[] key);

  /** Sets the order key. */
  Invocation orderKey(OrderKey key);

  /** Fails the call with {@link CallTimeoutException} after {@code timeout}; null for none. */
  Invocation timeout(Duration timeout);

  /** Compresses the body with snappy (the {@code zip} header flag). */
  Invocation compress(boolean compress);

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
