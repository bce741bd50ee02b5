package io.callosum.internal;

import io.callosum.Invocation;
import io.callosum.OrderKey;
import io.callosum.Payload;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** The builder behind {@link io.callosum.Invoker#call}. */
final class InvocationImpl implements Invocation {
  private final PeerEngine engine;
  private final Supplier<RemoteLink> target;
  private final String method;
  /** The call this one is a callback of, when made through {@code CallContext.caller()}; else null. */
  private final ServerCall parent;
  private OrderKey orderKey = OrderKey.NONE;
  private Duration timeout;
  private boolean compress;

  InvocationImpl(PeerEngine engine, Supplier<RemoteLink> target, String method, ServerCall parent) {
    this.engine = engine;
    this.target = target;
    this.method = Objects.requireNonNull(method, "method");
    this.parent = parent;
    this.timeout = engine.config.defaultTimeout();
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
  public CompletableFuture<Object> invoke(Object body) {
    return engine.invoke(target.get(), method, orderKey, timeout, compress, body, Object.class, parent);
  }

  @Override
  public <T> CompletableFuture<T> invoke(Object body, Type type) {
    return engine.invoke(target.get(), method, orderKey, timeout, compress, body, Objects.requireNonNull(type), parent);
  }

  @Override
  public io.callosum.StreamCall serverStream(Object body) {
    return engine.openStream(target.get(), method, orderKey, timeout, compress, body, Header.DOWNSTREAM, parent);
  }

  @Override
  public io.callosum.StreamCall clientStream(Object body) {
    return engine.openStream(target.get(), method, orderKey, timeout, compress, body, Header.UPSTREAM, parent);
  }

  @Override
  public io.callosum.StreamCall bidiStream(Object body) {
    return engine.openStream(target.get(), method, orderKey, timeout, compress, body, Header.UPSTREAM | Header.DOWNSTREAM, parent);
  }

  @Override
  public CompletableFuture<Payload> invokeRaw(Payload body) {
    return engine.invoke(target.get(), method, orderKey, timeout, compress, Objects.requireNonNull(body), null, parent);
  }
}
