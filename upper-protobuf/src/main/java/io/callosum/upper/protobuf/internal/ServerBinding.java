package io.callosum.upper.protobuf.internal;

import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.Message;
import io.callosum.Body;
import io.callosum.CallContext;
import io.callosum.Payload;
import io.callosum.Peer;
import io.callosum.StreamSource;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * Registers one handler per method of a service implementation, named {@code
 * package.Service/Method}.
 */
public final class ServerBinding {
  private ServerBinding() {}

  /** Registers {@code impl}'s methods on {@code peer}; returns the wire names registered. */
  public static List<String> bind(Peer peer, ServiceDescriptor service, Class<?> api, Object impl) {
    if (!api.isInstance(impl)) {
      throw new IllegalArgumentException(
          impl.getClass().getName() + " does not implement " + api.getName());
    }
    List<ServiceModel.ServerMethod> methods = ServiceModel.server(service, api);
    List<String> names = new ArrayList<>();
    for (ServiceModel.ServerMethod m : methods) {
      Rpc rpc = m.rpc;
      m.method.setAccessible(true);
      switch (rpc.shape) {
        case UNARY ->
            peer.handle(
                rpc.wireName,
                (ctx, body) -> {
                  Object result = call(m, impl, ctx, request(rpc, body));
                  if (result instanceof CompletionStage) {
                    return ((CompletionStage<?>) result).thenApply(r -> encode(rpc, r));
                  }
                  return encode(rpc, result);
                });
        case SERVER_STREAM ->
            peer.handleStream(
                rpc.wireName,
                (ctx, arg, up, down) -> {
                  call(m, impl, ctx, request(rpc, arg), new MessageStreams.Sink<>(down));
                  return null;
                });
        case CLIENT_STREAM ->
            peer.handleStream(
                rpc.wireName,
                (ctx, arg, up, down) -> {
                  Object result = call(m, impl, ctx, source(rpc, up));
                  if (result instanceof CompletionStage) {
                    result = awaitStage((CompletionStage<?>) result);
                  }
                  down.send(encode(rpc, result));
                  return null;
                });
        default ->
            peer.handleStream(
                rpc.wireName,
                (ctx, arg, up, down) -> {
                  call(m, impl, ctx, source(rpc, up), new MessageStreams.Sink<>(down));
                  return null;
                });
      }
      names.add(rpc.wireName);
    }
    return names;
  }

  private static Message request(Rpc rpc, Body body) {
    return Messages.parse(rpc.request, body.bytes());
  }

  private static MessageStreams.Source<Message> source(Rpc rpc, StreamSource up) {
    return new MessageStreams.Source<>(up, rpc.request);
  }

  private static Payload encode(Rpc rpc, Object result) {
    if (result == null) {
      throw new IllegalStateException(
          rpc.wireName
              + " returned null instead of a "
              + rpc.response.getDescriptorForType().getFullName());
    }
    return Payload.wrap(((Message) result).toByteArray());
  }

  private static Object awaitStage(CompletionStage<?> stage) throws Exception {
    try {
      return stage.toCompletableFuture().get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
    }
  }

  private static Object call(
      ServiceModel.ServerMethod m, Object impl, CallContext ctx, Object... args) throws Exception {
    try {
      return m.method.invoke(impl, m.arguments(ctx, args));
    } catch (InvocationTargetException e) {
      Throwable t = e.getCause();
      if (t instanceof Exception exception) {
        throw exception;
      }
      throw (Error) t;
    }
  }
}
