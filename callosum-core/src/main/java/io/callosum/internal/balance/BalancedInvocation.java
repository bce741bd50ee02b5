package io.callosum.internal.balance;

import io.callosum.CallosumException;
import io.callosum.Invocation;
import io.callosum.Metadata;
import io.callosum.OrderKey;
import io.callosum.Payload;
import io.callosum.Reply;
import io.callosum.StreamCall;
import io.callosum.internal.RefusedStreams;
import io.callosum.upper.Codec;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One call of a balanced peer being prepared: collects the options on the application's thread, and
 * at each {@code invoke} picks the endpoint ({@link Balancer#route}), makes the call there with the
 * same options, and counts it in flight on that endpoint until it ends. The returned future is the
 * connection's own, so cancelling it cancels the call as on a {@code ConnectedPeer}.
 */
final class BalancedInvocation implements Invocation {
  private final Balancer balancer;
  private final String method;
  private final Codec codec;
  private OrderKey orderKey; // null: none
  private boolean timeoutSet;
  private Duration timeout;
  private boolean compress;
  private Metadata metadata; // null: none

  BalancedInvocation(Balancer balancer, String method, Codec codec) {
    this.balancer = balancer;
    this.method = method;
    this.codec = codec;
  }

  @Override
  public Invocation orderKey(String key) {
    return orderKey(OrderKey.of(Objects.requireNonNull(key, "key")));
  }

  @Override
  public Invocation orderKey(byte[] key) {
    return orderKey(OrderKey.ofBytes(Objects.requireNonNull(key, "key")));
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
    this.timeoutSet = true;
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

  /** The same call on {@code backend}'s connection. */
  private Invocation on(Backend backend) {
    Invocation i = backend.call(method).compress(compress);
    if (orderKey != null) {
      i.orderKey(orderKey);
    }
    if (timeoutSet) {
      i.timeout(timeout); // else the connection's default timeout applies, as on a ConnectedPeer
    }
    if (metadata != null) {
      i.metadata(metadata);
    }
    return i;
  }

  private <T> CompletableFuture<T> send(Function<Invocation, CompletableFuture<T>> how) {
    Backend b;
    Invocation i;
    try {
      b = balancer.route(orderKey);
      i = on(b);
    } catch (CallosumException refused) {
      return CompletableFuture.failedFuture(refused);
    }
    b.started();
    CompletableFuture<T> f;
    try {
      f = how.apply(i);
    } catch (RuntimeException e) {
      b.finished();
      throw e;
    }
    f.whenComplete((v, e) -> b.finished());
    return f;
  }

  private StreamCall stream(Function<Invocation, StreamCall> how) {
    Backend b;
    Invocation i;
    try {
      b = balancer.route(orderKey);
      i = on(b);
    } catch (CallosumException refused) {
      return RefusedStreams.of(method, orderKey, refused, codec);
    }
    b.started();
    StreamCall s;
    try {
      s = how.apply(i);
    } catch (RuntimeException e) {
      b.finished();
      throw e;
    }
    s.result().whenComplete((v, e) -> b.finished());
    return s;
  }

  @Override
  public CompletableFuture<Object> invoke(Object body) {
    return send(i -> i.invoke(body));
  }

  @Override
  public <T> CompletableFuture<T> invoke(Object body, Type type) {
    Objects.requireNonNull(type, "type");
    return send(i -> i.<T>invoke(body, type));
  }

  @Override
  public <T> CompletableFuture<Reply<T>> invokeForReply(Object body, Class<T> type) {
    Objects.requireNonNull(type, "type");
    return send(i -> i.invokeForReply(body, type));
  }

  @Override
  public CompletableFuture<Payload> invokeRaw(Payload body) {
    return send(i -> i.invokeRaw(body));
  }

  @Override
  public StreamCall serverStream(Object body) {
    return stream(i -> i.serverStream(body));
  }

  @Override
  public StreamCall clientStream(Object body) {
    return stream(i -> i.clientStream(body));
  }

  @Override
  public StreamCall bidiStream(Object body) {
    return stream(i -> i.bidiStream(body));
  }
}
