package io.callosum.internal.balance;

import io.callosum.CallosumException;
import io.callosum.Invocation;
import io.callosum.Payload;
import io.callosum.Reply;
import io.callosum.StreamCall;
import io.callosum.internal.InvocationOptions;
import io.callosum.internal.RefusedStreams;
import io.callosum.upper.Codec;
import java.lang.reflect.Type;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One call of a balanced peer being prepared: collects the options on the application's thread, and
 * at each {@code invoke} picks the endpoint ({@link Balancer#route}), makes the call there with the
 * same options, and counts it in flight on that endpoint until it ends. The returned future is the
 * connection's own, so cancelling it cancels the call as on a {@code ConnectedPeer}.
 */
final class BalancedInvocation extends InvocationOptions {
  private final Balancer balancer;
  private final String method;
  private final Codec codec;

  BalancedInvocation(Balancer balancer, String method, Codec codec) {
    this.balancer = balancer;
    this.method = method;
    this.codec = codec;
  }

  /** The same call on {@code backend}'s connection. */
  private Invocation on(Backend backend) {
    Invocation i = backend.call(method).orderKey(key()).compress(compressed()).metadata(meta());
    if (hasTimeout()) {
      i.timeout(timeoutOr(null)); // else the connection's default timeout applies
    }
    return i;
  }

  private <T> CompletableFuture<T> send(Function<Invocation, CompletableFuture<T>> how) {
    return dispatch(how, f -> f, CompletableFuture::failedFuture);
  }

  private StreamCall stream(Function<Invocation, StreamCall> how) {
    return dispatch(
        how, StreamCall::result, refused -> RefusedStreams.of(method, key(), refused, codec));
  }

  /**
   * Makes the call on the endpoint chosen for it with {@code how}, counting it in flight there
   * until {@code ends} of what it returns completes; {@code refused} is the answer when no endpoint
   * can take it.
   */
  private <R> R dispatch(
      Function<Invocation, R> how,
      Function<R, CompletableFuture<?>> ends,
      Function<CallosumException, R> refused) {
    Backend b;
    Invocation i;
    try {
      b = balancer.route(key());
      i = on(b);
    } catch (CallosumException e) {
      return refused.apply(e);
    }
    b.started();
    R call;
    try {
      call = how.apply(i);
    } catch (RuntimeException e) {
      b.finished();
      throw e;
    }
    var unused = ends.apply(call).whenComplete((v, e) -> b.finished());
    return call;
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
