package io.callosum.internal.typed;

import io.callosum.Body;
import io.callosum.Futures;
import io.callosum.Invocation;
import io.callosum.Invoker;
import io.callosum.OrderKey;
import io.callosum.StreamCall;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Flow;

/**
 * The proxy behind a typed client: each remote method of the interface makes one call with the
 * client's order key, timeout and compression. Blocking methods wait and throw the call's {@link
 * io.callosum.CallosumException}; asynchronous ones return the call's future (cancelling it sends
 * CANCEL); a {@code Flow.Publisher} makes its call when subscribed, once per subscriber.
 */
public final class ClientProxy implements InvocationHandler {
  private final Invoker invoker;
  private final Map<Method, ServiceMethods.Op> ops;
  private final OrderKey orderKey;
  private final Duration timeout;
  private final boolean compress;

  private ClientProxy(
      Invoker invoker,
      Map<Method, ServiceMethods.Op> ops,
      OrderKey orderKey,
      Duration timeout,
      boolean compress) {
    this.invoker = invoker;
    this.ops = ops;
    this.orderKey = orderKey;
    this.timeout = timeout;
    this.compress = compress;
  }

  /** The checked method table of {@code api} (throws for a method that cannot be remote). */
  public static Map<Method, ServiceMethods.Op> model(Class<?> api) {
    return ServiceMethods.of(api, false);
  }

  /** A stub of {@code api} over {@code invoker} with these call options. */
  public static <T> T stub(
      Class<T> api,
      Map<Method, ServiceMethods.Op> ops,
      Invoker invoker,
      OrderKey orderKey,
      Duration timeout,
      boolean compress) {
    return api.cast(
        Proxy.newProxyInstance(
            api.getClassLoader(),
            new Class<?>[] {api},
            new ClientProxy(invoker, ops, orderKey, timeout, compress)));
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    ServiceMethods.Op op = ops.get(method);
    if (op == null) {
      return notRemote(proxy, method, args);
    }
    Object argument = args == null || args.length == 0 ? null : args[0];
    return switch (op.shape()) {
      case BLOCKING -> {
        Object result = Futures.await(call(op).invoke(argument, op.result()));
        yield op.result() == Void.class ? null : result;
      }
      case ASYNC -> call(op).invoke(argument, op.result());
      case PUBLISHER -> publisher(op, argument);
    };
  }

  private Object notRemote(Object proxy, Method method, Object[] args) throws Throwable {
    if (method.isDefault()) {
      return InvocationHandler.invokeDefault(proxy, method, args); // e.g. a convenience wrapper
    }
    return switch (method.getName()) {
      case "equals" -> proxy == args[0];
      case "hashCode" -> System.identityHashCode(proxy);
      case "toString" ->
          "typed client of " + proxy.getClass().getInterfaces()[0].getName() + " over " + invoker;
      default -> throw new UnsupportedOperationException(method.toString());
    };
  }

  private Invocation call(ServiceMethods.Op op) {
    Invocation inv = invoker.call(op.wireName());
    if (orderKey != null) {
      inv.orderKey(orderKey);
    }
    if (timeout != null) {
      inv.timeout(timeout);
    }
    return compress ? inv.compress(true) : inv;
  }

  private Flow.Publisher<Object> publisher(ServiceMethods.Op op, Object argument) {
    return subscriber -> {
      StreamCall c = call(op).serverStream(argument);
      Flow.Publisher<Body> items = c.downstream().publisher();
      items.subscribe(new DecodingSubscriber(subscriber, op.result()));
    };
  }
}
