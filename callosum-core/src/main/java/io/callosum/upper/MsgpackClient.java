package io.callosum.upper;

import io.callosum.Invoker;
import io.callosum.OrderKey;
import io.callosum.internal.typed.ClientProxy;
import io.callosum.internal.typed.ServiceMethods;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable client of one typed msgpack service, made by {@link MsgpackServices#client}: {@link
 * #stub()} is the typed interface; {@code with...} derive a client whose calls carry an order key,
 * a timeout or compression, as {@code peer.call(method).orderKey(..).timeout(..)} does.
 * Thread-safe; stubs are cheap to derive.
 *
 * @param <T> the service interface
 */
public final class MsgpackClient<T> {
  private final Invoker invoker;
  private final Class<T> api;
  private final Map<Method, ServiceMethods.Op> ops;
  private final OrderKey orderKey;
  private final Duration timeout;
  private final boolean compress;
  private final T stub;

  MsgpackClient(
      Invoker invoker,
      Class<T> api,
      Map<Method, ServiceMethods.Op> ops,
      OrderKey orderKey,
      Duration timeout,
      boolean compress) {
    this.invoker = Objects.requireNonNull(invoker, "invoker");
    this.api = api;
    this.ops = ops;
    this.orderKey = orderKey;
    this.timeout = timeout;
    this.compress = compress;
    this.stub = ClientProxy.stub(api, ops, invoker, orderKey, timeout, compress);
  }

  /** The typed interface; its calls carry this client's options. */
  public T stub() {
    return stub;
  }

  /** Calls with order key {@code key} (see {@link io.callosum.Ordering}). */
  public MsgpackClient<T> withOrderKey(String key) {
    return withOrderKey(OrderKey.of(key));
  }

  /** Calls with order key {@code key}; null for none. */
  public MsgpackClient<T> withOrderKey(OrderKey key) {
    return new MsgpackClient<>(invoker, api, ops, key, timeout, compress);
  }

  /**
   * Calls fail with {@code CallTimeoutException} after {@code timeout} (CANCEL is sent); null for
   * the peer's default.
   */
  public MsgpackClient<T> withTimeout(Duration timeout) {
    return new MsgpackClient<>(invoker, api, ops, orderKey, timeout, compress);
  }

  /** Calls compress their bodies with snappy. */
  public MsgpackClient<T> withCompression(boolean compress) {
    return new MsgpackClient<>(invoker, api, ops, orderKey, timeout, compress);
  }
}
