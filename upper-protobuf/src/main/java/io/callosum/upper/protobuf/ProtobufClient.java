package io.callosum.upper.protobuf;

import io.callosum.Invoker;
import io.callosum.OrderKey;
import io.callosum.upper.protobuf.internal.ClientStub;
import java.time.Duration;
import java.util.Objects;

/**
 * An immutable client of one protobuf service, made by {@link ProtobufServices#client}: {@link
 * #stub()} is the typed interface; {@code with...} derive a client whose calls carry an order key,
 * a timeout or compression, exactly as {@code peer.call(method).orderKey(..).timeout(..)} does for
 * msgpack calls. Thread-safe; stubs are cheap to derive.
 */
public final class ProtobufClient<T> {
  private final Invoker invoker;
  private final Class<T> api;
  private final Object model;
  private final OrderKey orderKey;
  private final Duration timeout;
  private final boolean compress;
  private final T stub;

  ProtobufClient(
      Invoker invoker,
      Class<T> api,
      Object model,
      OrderKey orderKey,
      Duration timeout,
      boolean compress) {
    this.invoker = Objects.requireNonNull(invoker, "invoker");
    this.api = api;
    this.model = model;
    this.orderKey = orderKey;
    this.timeout = timeout;
    this.compress = compress;
    this.stub = ClientStub.stub(api, model, invoker, orderKey, timeout, compress);
  }

  /** The typed interface; its calls carry this client's options. */
  public T stub() {
    return stub;
  }

  /** Calls with order key {@code key} (see the core's {@code Ordering}). */
  public ProtobufClient<T> withOrderKey(String key) {
    return withOrderKey(OrderKey.of(key));
  }

  /** Calls with order key {@code key}; null for none. */
  public ProtobufClient<T> withOrderKey(OrderKey key) {
    return new ProtobufClient<>(invoker, api, model, key, timeout, compress);
  }

  /**
   * Calls fail with {@code CallTimeoutException} after {@code timeout} (CANCEL is sent); null for
   * the peer's default.
   */
  public ProtobufClient<T> withTimeout(Duration timeout) {
    return new ProtobufClient<>(invoker, api, model, orderKey, timeout, compress);
  }

  /** Calls compress their bodies with snappy. */
  public ProtobufClient<T> withCompression(boolean compress) {
    return new ProtobufClient<>(invoker, api, model, orderKey, timeout, compress);
  }
}
