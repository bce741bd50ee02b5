package io.callosum.internal;

import io.callosum.Payload;
import io.callosum.Reply;
import io.callosum.StreamCall;
import java.lang.reflect.Type;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The builder behind {@link io.callosum.Invoker#call}: collects one call's options on the
 * application's thread and hands the call, as one {@link CallRequest}, to {@link OutgoingCalls}.
 */
final class InvocationImpl extends InvocationOptions {
  private final OutgoingCalls calls;
  private final Supplier<RemoteLink> target;
  private final String method;

  /**
   * The call this one is a callback of, when made through {@code CallContext.caller()}; else null.
   */
  private final ServerCall parent;

  InvocationImpl(
      OutgoingCalls calls, Supplier<RemoteLink> target, String method, ServerCall parent) {
    this.calls = calls;
    this.target = target;
    this.method = Objects.requireNonNull(method, "method");
    this.parent = parent;
  }

  private CallRequest request(Object body, Type resultType, int streams) {
    return request(body, resultType, streams, false);
  }

  private CallRequest request(Object body, Type resultType, int streams, boolean withReply) {
    return new CallRequest(
        target.get(),
        method,
        key(),
        timeoutOr(calls.defaultTimeout()),
        compressed(),
        body,
        resultType,
        parent,
        streams,
        meta(),
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
