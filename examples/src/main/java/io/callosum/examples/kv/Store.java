package io.callosum.examples.kv;

import java.util.concurrent.CompletableFuture;

/**
 * The key-value store as clients call it, at any node: the node routes each key to the node that
 * owns it (or, when that one is down, to its replica). Plain blocking methods on both ends (a typed
 * msgpack service); every call carries its key as order key ({@link KvClient}), and the nodes serve
 * under {@code KEY_SERIALIZED}, so the calls on one key run one at a time, in the order they
 * arrived.
 */
public interface Store {
  /** The value of {@code key}: {@link Status#NO_SUCH_KEY} if it has none. */
  Result get(String key);

  /** Sets {@code write.key()} to {@code write.value()}. */
  Result put(Write write);

  /** Removes {@code key}: {@link Status#NO_SUCH_KEY} if it has no value. */
  Result delete(String key);

  /**
   * Sets the key to {@code swap.value()} if its value is {@code swap.expected()}: {@link
   * Status#MISMATCH} (with the value it has) if not, {@link Status#NO_SUCH_KEY} if it has none.
   */
  Result cas(Swap swap);

  /**
   * The same calls for a caller that does not wait for each reply before the next (the wire names
   * are those of {@link Store}).
   */
  interface Async {
    CompletableFuture<Result> get(String key);

    CompletableFuture<Result> put(Write write);
  }

  /** A value for a key. */
  record Write(String key, String value) {}

  /** A compare-and-set: the value expected and the one to set. */
  record Swap(String key, String expected, String value) {}

  /**
   * What a call did.
   *
   * @param status how it went
   * @param value the key's value now (after a write, the value written; none after a delete)
   * @param version the key's version: 1 for its first write, one more for each write since
   * @param node the node that served the call (the key's owner, or its replica)
   */
  record Result(Status status, String value, long version, int node) {}

  /** How a call went. */
  enum Status {
    OK,
    NO_SUCH_KEY,
    MISMATCH
  }

  /** Thrown (to the caller, as a {@code RemoteUserException}) when both nodes of a key are down. */
  final class Unavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Unavailable(String message) {
      super(message);
    }
  }
}
