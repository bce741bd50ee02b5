package io.callosum.upper.thrift;

import io.callosum.Invocation;
import io.callosum.OrderKey;
import java.time.Duration;
import java.util.Objects;

/**
 * What a Thrift call carries besides its arguments: the Callosum order key and timeout. Immutable;
 * {@code with...} returns a copy. Cancellation needs no option: cancel the future of {@link
 * ThriftClients#async}, or interrupt the thread blocked in {@link ThriftClients#call}.
 */
public final class CallOptions {
  /** No order key, the peer's default timeout. */
  public static final CallOptions DEFAULT = new CallOptions(null, null);

  private final OrderKey orderKey;
  private final Duration timeout;

  private CallOptions(OrderKey orderKey, Duration timeout) {
    this.orderKey = orderKey;
    this.timeout = timeout;
  }

  /** Calls with this order key are ordered by the callee as its {@code Ordering} says. */
  public CallOptions withOrderKey(String key) {
    return withOrderKey(OrderKey.of(key));
  }

  public CallOptions withOrderKey(OrderKey key) {
    return new CallOptions(Objects.requireNonNull(key, "key"), timeout);
  }

  /** The call fails with {@code CallTimeoutException} (and is cancelled remotely) after this. */
  public CallOptions withTimeout(Duration timeout) {
    return new CallOptions(orderKey, Objects.requireNonNull(timeout, "timeout"));
  }

  Invocation applyTo(Invocation invocation) {
    if (orderKey != null) {
      invocation.orderKey(orderKey);
    }
    if (timeout != null) {
      invocation.timeout(timeout);
    }
    return invocation;
  }

  @Override
  public String toString() {
    return "CallOptions(orderKey=" + orderKey + ", timeout=" + timeout + ")";
  }
}
