package io.callosum.internal.typed;

import io.callosum.Body;
import io.callosum.CallContext;
import io.callosum.Peer;
import io.callosum.StreamSink;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Registers an implementation of a typed service interface on a peer: one handler per remote
 * method, decoding the argument as the method's parameter type. What the implementation throws
 * reaches the caller as a {@link io.callosum.RemoteUserException}; an argument that does not decode
 * is answered with {@code CODEC_ERROR}. A {@code Flow.Publisher} result is streamed to the caller
 * with its credit; the call ends when the publisher does.
 */
public final class ServiceBinding {
  private ServiceBinding() {}

  /** Registers {@code impl}'s methods of {@code api} on {@code peer}; returns the wire names. */
  public static <T> List<String> bind(Peer peer, Class<T> api, T impl) {
    if (!api.isInstance(impl)) {
      throw new IllegalArgumentException(impl + " does not implement " + api.getName());
    }
    Map<Method, ServiceMethods.Op> ops = ServiceMethods.of(api, true);
    for (Method m : ops.keySet()) {
      if (!m.trySetAccessible()) {
        throw new IllegalArgumentException(
            m + " cannot be called reflectively: make " + api.getName() + " public and exported");
      }
    }
    List<String> names = new ArrayList<>();
    for (ServiceMethods.Op op : ops.values()) {
      if (op.shape() == ServiceMethods.Shape.PUBLISHER) {
        peer.handleStream(
            op.wireName(), (ctx, body, up, down) -> stream(impl, op, ctx, body, down));
      } else {
        peer.handle(op.wireName(), (ctx, body) -> call(impl, op, ctx, body));
      }
      names.add(op.wireName());
    }
    return List.copyOf(names);
  }

  /** Runs the method: its result, or the stage it returned (the core waits for that). */
  private static Object call(Object impl, ServiceMethods.Op op, CallContext ctx, Body body)
      throws Exception {
    Method m = op.method();
    Object[] args = new Object[m.getParameterCount()];
    int i = 0;
    if (op.argument() != null) {
      args[i++] = body.as(op.argument());
    }
    if (op.takesContext()) {
      args[i] = ctx;
    }
    try {
      return m.invoke(impl, args);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception ex) {
        throw ex;
      }
      throw (Error) cause;
    }
  }

  /** The stage the core waits for: it completes when the publisher ends. */
  private static CompletionStage<Object> stream(
      Object impl, ServiceMethods.Op op, CallContext ctx, Body body, StreamSink down)
      throws Exception {
    Flow.Publisher<?> items = (Flow.Publisher<?>) call(impl, op, ctx, body);
    if (items == null) {
      throw new IllegalStateException(op.method() + " returned null instead of a publisher");
    }
    CompletableFuture<Object> ended = new CompletableFuture<>();
    items.subscribe(new Forwarding(down.subscriber(), ended));
    return ended;
  }

  /** Forwards a publisher's signals into the call's downstream and notes when it ended. */
  private record Forwarding(Flow.Subscriber<Object> down, CompletableFuture<Object> ended)
      implements Flow.Subscriber<Object> {
    @Override
    public void onSubscribe(Flow.Subscription s) {
      down.onSubscribe(s);
    }

    @Override
    public void onNext(Object item) {
      down.onNext(item);
    }

    @Override
    public void onError(Throwable error) {
      down.onError(error);
      ended.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
      down.onComplete();
      ended.complete(null);
    }
  }
}
