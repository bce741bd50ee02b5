package io.callosum.upper.protobuf.internal;

import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.Message;
import io.callosum.Futures;
import io.callosum.Invocation;
import io.callosum.Invoker;
import io.callosum.OrderKey;
import io.callosum.Payload;
import io.callosum.StreamCall;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The proxy behind a client stub: each interface method makes one Callosum call of its rpc with the
 * client's options. Bodies go as {@link Payload}, so the peer's codec does not matter.
 */
public final class ClientStub implements InvocationHandler {
  private static final Payload EMPTY = Payload.wrap(new byte[0]);

  private final Invoker invoker;
  private final Map<Method, ServiceModel.ClientMethod> methods;
  private final OrderKey orderKey;
  private final Duration timeout;
  private final boolean compress;

  private ClientStub(
      Invoker invoker,
      Map<Method, ServiceModel.ClientMethod> methods,
      OrderKey orderKey,
      Duration timeout,
      boolean compress) {
    this.invoker = invoker;
    this.methods = methods;
    this.orderKey = orderKey;
    this.timeout = timeout;
    this.compress = compress;
  }

  /** The method table of {@code api} against {@code service}; checks every method. */
  public static Object model(ServiceDescriptor service, Class<?> api) {
    return Map.copyOf(ServiceModel.client(service, api));
  }

  /** A stub of {@code api} over {@code invoker} with these call options. */
  @SuppressWarnings("unchecked")
  public static <T> T stub(
      Class<T> api,
      Object model,
      Invoker invoker,
      OrderKey orderKey,
      Duration timeout,
      boolean compress) {
    return (T)
        Proxy.newProxyInstance(
            api.getClassLoader(),
            new Class<?>[] {api},
            new ClientStub(
                invoker,
                (Map<Method, ServiceModel.ClientMethod>) model,
                orderKey,
                timeout,
                compress));
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    ServiceModel.ClientMethod m = methods.get(method);
    if (m == null) {
      if (method.isDefault()) {
        return InvocationHandler.invokeDefault(proxy, method, args); // e.g. a convenience wrapper
      }
      if (method.getDeclaringClass() == Object.class) {
        switch (method.getName()) {
          case "equals" -> {
            return proxy == args[0];
          }
          case "hashCode" -> {
            return System.identityHashCode(proxy);
          }
          case "toString" -> {
            return "ProtobufClient stub of "
                + proxy.getClass().getInterfaces()[0].getName()
                + " over "
                + invoker;
          }
          default -> {}
        }
      }
      throw new UnsupportedOperationException(method.toString());
    }
    switch (m.kind) {
      case ASYNC -> {
        return unary(m.rpc, (Message) args[0]);
      }
      case BLOCKING -> {
        try {
          return Futures.await(unary(m.rpc, (Message) args[0]));
        } catch (RuntimeException e) {
          throw Failures.unchecked(e);
        }
      }
      default -> {
        return stream(m.rpc, args == null || args.length == 0 ? null : (Message) args[0]);
      }
    }
  }

  private Invocation call(Rpc rpc) {
    Invocation inv = invoker.call(rpc.wireName);
    if (orderKey != null) {
      inv.orderKey(orderKey);
    }
    if (timeout != null) {
      inv.timeout(timeout);
    }
    return compress ? inv.compress(true) : inv;
  }

  private CompletableFuture<Message> unary(Rpc rpc, Message request) {
    Objects.requireNonNull(request, "request");
    CompletableFuture<Payload> raw = call(rpc).invokeRaw(Payload.wrap(request.toByteArray()));
    CompletableFuture<Message> out = new CompletableFuture<>();
    // Neither action below throws: out carries every outcome, their own stages hold nothing more.
    var unusedParse =
        raw.whenComplete(
            (p, e) -> {
              if (e != null) {
                out.completeExceptionally(Failures.translate(e));
                return;
              }
              try {
                out.complete(Messages.parse(rpc.response, p.bytes()));
              } catch (RuntimeException bad) {
                out.completeExceptionally(bad);
              }
            });
    var unusedCancel =
        out.whenComplete(
            (v, e) -> {
              if (out.isCancelled()) {
                raw.cancel(true); // sends CANCEL, as cancelling a msgpack call's future does
              }
            });
    return out;
  }

  private Object stream(Rpc rpc, Message request) {
    Invocation inv = call(rpc);
    return switch (rpc.shape) {
      case SERVER_STREAM -> {
        Objects.requireNonNull(request, "request");
        StreamCall c = inv.serverStream(Payload.wrap(request.toByteArray()));
        yield new MessageStreams.Call<>(c, rpc, false);
      }
      // The handler sends its response downstream, so the call needs a stream each way.
      case CLIENT_STREAM -> new MessageStreams.Call<>(inv.bidiStream(EMPTY), rpc, true);
      default -> new MessageStreams.Call<>(inv.bidiStream(EMPTY), rpc, false);
    };
  }
}
