package io.callosum.examples.kv;

import io.callosum.Invoker;
import io.callosum.upper.MsgpackClient;
import io.callosum.upper.MsgpackServices;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A client of the key-value store through one node: each call carries its key as order key, so that
 * the node serves the calls on one key in the order this client made them. Thread-safe.
 */
public final class KvClient {
  private final MsgpackClient<Store> store;
  private final MsgpackClient<Store.Async> async;

  /** Calls the store through {@code node} (a peer connected to any node), with {@code timeout}. */
  public KvClient(Invoker node, Duration timeout) {
    store = MsgpackServices.client(node, Store.class).withTimeout(timeout);
    async = MsgpackServices.client(node, Store.Async.class).withTimeout(timeout);
  }

  public Store.Result get(String key) {
    return store.withOrderKey(key).stub().get(key);
  }

  public Store.Result put(String key, String value) {
    return store.withOrderKey(key).stub().put(new Store.Write(key, value));
  }

  public Store.Result delete(String key) {
    return store.withOrderKey(key).stub().delete(key);
  }

  public Store.Result cas(String key, String expected, String value) {
    return store.withOrderKey(key).stub().cas(new Store.Swap(key, expected, value));
  }

  /** {@link #put} without waiting for the reply. */
  public CompletableFuture<Store.Result> putAsync(String key, String value) {
    return async.withOrderKey(key).stub().put(new Store.Write(key, value));
  }
}
