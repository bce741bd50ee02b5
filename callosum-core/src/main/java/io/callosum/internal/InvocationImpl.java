package io.callosum.internal;

import io.callosum.Invocation;
import io.callosum.Metadata;
import io.callosum.OrderKey;
import io.callosum.Payload;
import io.callosum.Reply;
import io.callosum.StreamCall;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The builder behind {@link io.callosum.Invoker#call}: collects one call's options on the
 * application's thread and hands the call, as one {@link CallRequest}, to {@link OutgoingCalls}.
 */
final class InvocationImpl implements Invocation {
  private final OutgoingCalls calls;
  private final Supplier<RemoteLink> target;
  private final String method;

  /**
   * The call this one is a callback of, when made through {@code CallContext.caller()}; else null.
   */
  private final ServerCall parent;

  private OrderKey orderKey = OrderKey.NONE;
  private Duration timeout;
  private boolean compress;
  private Metadata metadata = Metadata.EMPTY;

  InvocationImpl(
      OutgoingCalls calls, Supplier<RemoteLink> target, String method, ServerCall parent) {
    this.calls = calls;
    this.target = target;
    this.method = Objects.requireNonNull(method, "method");
    this.parent = parent;
    this.timeout = calls.defaultTimeout();
  }

  @Override
  public Invocation orderKey(String key) {
    this.orderKey = OrderKey.of(Objects.requireNonNull(key, "key"));
    return this;
  }

  @Override
  public Invocation orderKey(byte[] key) {
    this.orderKey = OrderKey.ofBytes(Objects.requireNonNull(key, "key"));
    return this;
  }

  @Override
  public Invocation orderKey(OrderKey key) {
    this.orderKey = Objects.requireNonNull(key, "key");
    return this;
  }

  @Override
  public Invocation timeout(Duration timeout) {
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    this.timeout = timeout;
    return this;
  }

  @Override
  public Invocation compress(boolean compress) {
    this.compress = compress;
    return this;
  }

  @Override
  public Invocation metadata(Metadata metadata) {
    this.metadata = Objects.requireNonNull(metadata, "metadata");
    return this;
  }

  private CallRequest request(Object body, Type resultType, int streams) {
    return request(body, resultType, streams, false);
  }

  private CallRequest request(Object body, Type resultType, int streams, boolean withReply) {
    return new CallRequest(
        target.get(),
        method,
        orderKey,
        timeout,
        compress,
        body,
        resultType,
        parent,
        streams,
        metadata,
        withReply);
  }

  @Override
  public CompletableFuture<Object> invoke(Object body) {
    return calls.invoke(request(body, Object.class, 0));
  }

  @Override
  public <T> CompletableFuture<T> invoke(Object body, Type type) {
    return calls.invoke(request(body, Objects.requireNonNull(type), 0));
  }

  @Override
  public <T> CompletableFuture<Reply<T>> invokeForReply(Object body, Class<T> type) {
    return calls.invoke(request(body, Objects.requireNonNull(type), 0, true));
  }

  @Override
  public StreamCall serverStream(Object body) {
    return calls.openStream(request(body, Object.class, Header.DOWNSTREAM));
  }

  @Override
  public StreamCall clientStream(Object body) {
    return calls.openStream(request(body, Object.class, Header.UPSTREAM));
  }

  @Override
  public StreamCall bidiStream(Object body) {
    return calls.openStream(request(body, Object.class, Header.UPSTREAM | Header.DOWNSTREAM));
  }

  @Override
  public CompletableFuture<Payload> invokeRaw(Payload body) {
    return calls.invoke(request(Objects.requireNonNull(body), null, 0));
  }
}
