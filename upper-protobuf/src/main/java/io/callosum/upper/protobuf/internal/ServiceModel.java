package io.callosum.upper.protobuf.internal;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.Message;
import io.callosum.CallContext;
import io.callosum.upper.protobuf.MessageSink;
import io.callosum.upper.protobuf.MessageSource;
import io.callosum.upper.protobuf.MessageStreamCall;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * Matches the abstract methods of a Java interface to the rpcs of a service descriptor, by name
 * ({@code echo} or {@code Echo} for {@code rpc Echo}) and by signature, once: a method that fits no
 * rpc is refused when the client or binding is made, not when it is called.
 */
final class ServiceModel {
  /** How a client method calls its rpc. */
  enum ClientKind {
    ASYNC,
    BLOCKING,
    STREAM
  }

  static final class ClientMethod {
    final Rpc rpc;
    final ClientKind kind;

    ClientMethod(Rpc rpc, ClientKind kind) {
      this.rpc = rpc;
      this.kind = kind;
    }
  }

  static final class ServerMethod {
    final Rpc rpc;
    final Method method;
    final boolean async;

    /** Whether the method takes the call's {@link CallContext} as its last parameter. */
    final boolean withContext;

    ServerMethod(Rpc rpc, Method method, boolean async, boolean withContext) {
      this.rpc = rpc;
      this.method = method;
      this.async = async;
      this.withContext = withContext;
    }

    /** The method's arguments: {@code args}, then the context if it takes one. */
    Object[] arguments(CallContext context, Object... args) {
      if (!withContext) {
        return args;
      }
      Object[] out = Arrays.copyOf(args, args.length + 1);
      out[args.length] = context;
      return out;
    }
  }

  private ServiceModel() {}

  static Map<Method, ClientMethod> client(ServiceDescriptor service, Class<?> api) {
    Map<Method, ClientMethod> out = new LinkedHashMap<>();
    for (Method m : abstractMethods(api)) {
      MethodDescriptor md = rpcOf(service, api, m);
      Rpc.Shape shape = Rpc.Shape.of(md);
      Type[] params = m.getGenericParameterTypes();
      Type ret = m.getGenericReturnType();
      Message req;
      Message resp;
      ClientKind kind;
      if (shape == Rpc.Shape.UNARY) {
        expect(
            params.length == 1, m, "one parameter, the request " + md.getInputType().getFullName());
        req = message(params[0], md.getInputType().getFullName(), m);
        if (raw(ret) == CompletableFuture.class) {
          resp = message(typeArgument(ret, 0, m), md.getOutputType().getFullName(), m);
          kind = ClientKind.ASYNC;
        } else {
          resp = message(ret, md.getOutputType().getFullName(), m);
          kind = ClientKind.BLOCKING;
        }
      } else {
        if (shape == Rpc.Shape.SERVER_STREAM) {
          expect(
              params.length == 1,
              m,
              "one parameter, the request " + md.getInputType().getFullName());
          message(params[0], md.getInputType().getFullName(), m);
        } else {
          expect(
              params.length == 0,
              m,
              "no parameters: requests go through MessageStreamCall.requests()");
        }
        expect(
            raw(ret) == MessageStreamCall.class,
            m,
            "to return MessageStreamCall<"
                + md.getInputType().getName()
                + ", "
                + md.getOutputType().getName()
                + ">");
        req = message(typeArgument(ret, 0, m), md.getInputType().getFullName(), m);
        resp = message(typeArgument(ret, 1, m), md.getOutputType().getFullName(), m);
        kind = ClientKind.STREAM;
      }
      out.put(m, new ClientMethod(new Rpc(md, req, resp), kind));
    }
    return out;
  }

  static List<ServerMethod> server(ServiceDescriptor service, Class<?> api) {
    List<ServerMethod> out = new ArrayList<>();
    Map<MethodDescriptor, Method> served = new LinkedHashMap<>();
    for (Method m : abstractMethods(api)) {
      MethodDescriptor md = rpcOf(service, api, m);
      Method other = served.put(md, m);
      if (other != null) { // the peer would keep one handler and silently drop the other
        throw new IllegalArgumentException(
            api.getSimpleName()
                + "."
                + m.getName()
                + " and "
                + other
                + " both serve rpc "
                + md.getName()
                + ": keep one");
      }
      String in = md.getInputType().getFullName();
      String outType = md.getOutputType().getFullName();
      Type[] all = m.getGenericParameterTypes();
      boolean withContext = all.length > 0 && all[all.length - 1] == CallContext.class;
      Type[] p = withContext ? Arrays.copyOf(all, all.length - 1) : all;
      Type ret = m.getGenericReturnType();
      Message req;
      Message resp;
      boolean async = false;
      switch (Rpc.Shape.of(md)) {
        case UNARY -> {
          expect(p.length == 1, m, "one parameter, the request " + in);
          req = message(p[0], in, m);
          async = isStage(ret);
          resp = message(async ? typeArgument(ret, 0, m) : ret, outType, m);
        }
        case SERVER_STREAM -> {
          expect(
              p.length == 2 && raw(p[1]) == MessageSink.class && m.getReturnType() == void.class,
              m,
              "("
                  + md.getInputType().getName()
                  + " request, MessageSink<"
                  + md.getOutputType().getName()
                  + "> responses) returning void");
          req = message(p[0], in, m);
          resp = message(typeArgument(p[1], 0, m), outType, m);
        }
        case CLIENT_STREAM -> {
          expect(
              p.length == 1 && raw(p[0]) == MessageSource.class,
              m,
              "(MessageSource<"
                  + md.getInputType().getName()
                  + "> requests) returning the response");
          req = message(typeArgument(p[0], 0, m), in, m);
          async = isStage(ret);
          resp = message(async ? typeArgument(ret, 0, m) : ret, outType, m);
        }
        default -> {
          expect(
              p.length == 2
                  && raw(p[0]) == MessageSource.class
                  && raw(p[1]) == MessageSink.class
                  && m.getReturnType() == void.class,
              m,
              "(MessageSource<"
                  + md.getInputType().getName()
                  + "> requests, MessageSink<"
                  + md.getOutputType().getName()
                  + "> responses) returning void");
          req = message(typeArgument(p[0], 0, m), in, m);
          resp = message(typeArgument(p[1], 0, m), outType, m);
        }
      }
      out.add(new ServerMethod(new Rpc(md, req, resp), m, async, withContext));
    }
    return out;
  }

  private static List<Method> abstractMethods(Class<?> api) {
    if (!api.isInterface()) {
      throw new IllegalArgumentException(api.getName() + " is not an interface");
    }
    List<Method> out = new ArrayList<>();
    for (Method m : api.getMethods()) {
      if (Modifier.isAbstract(m.getModifiers())) {
        out.add(m);
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(api.getName() + " declares no methods");
    }
    return out;
  }

  private static MethodDescriptor rpcOf(ServiceDescriptor service, Class<?> api, Method m) {
    for (MethodDescriptor md : service.getMethods()) {
      String n = md.getName();
      if (n.equals(m.getName())
          || (Character.toLowerCase(n.charAt(0)) + n.substring(1)).equals(m.getName())) {
        return md;
      }
    }
    throw new IllegalArgumentException(
        api.getSimpleName()
            + "."
            + m.getName()
            + " matches no rpc of "
            + service.getFullName()
            + " (it has "
            + service.getMethods().stream()
                .map(MethodDescriptor::getName)
                .collect(Collectors.joining(", "))
            + ")");
  }

  private static Message message(Type t, String expected, Method m) {
    Class<?> c = raw(t);
    expect(
        c != null && Message.class.isAssignableFrom(c),
        m,
        "the message type " + expected + " where it has " + t.getTypeName());
    Message prototype = Messages.defaultInstance(c);
    String actual = prototype.getDescriptorForType().getFullName();
    expect(actual.equals(expected), m, expected + " where it has " + actual);
    return prototype;
  }

  private static boolean isStage(Type t) {
    Class<?> c = raw(t);
    return c == CompletableFuture.class || c == CompletionStage.class;
  }

  private static Class<?> raw(Type t) {
    if (t instanceof Class) {
      return (Class<?>) t;
    }
    if (t instanceof ParameterizedType parameterizedType) {
      return (Class<?>) parameterizedType.getRawType();
    }
    return null;
  }

  private static Type typeArgument(Type t, int i, Method m) {
    expect(t instanceof ParameterizedType, m, "type arguments on " + t.getTypeName());
    return ((ParameterizedType) t).getActualTypeArguments()[i];
  }

  private static void expect(boolean ok, Method m, String what) {
    if (!ok) {
      throw new IllegalArgumentException(
          m.getDeclaringClass().getSimpleName()
              + "."
              + m.getName()
              + " does not fit its rpc: expected "
              + what);
    }
  }
}
