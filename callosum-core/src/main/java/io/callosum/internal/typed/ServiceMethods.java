package io.callosum.internal.typed;

import io.callosum.CallContext;
import io.callosum.upper.RemoteMethod;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * The methods of a typed service interface, checked once when a client or binding is made: each
 * one's wire name, its shape, and the types its argument and result decode as. A method takes at
 * most one value (a record or bean carries several) and, on the serving side only, the call's
 * {@link CallContext} as its last parameter. Pure: reflection only.
 */
public final class ServiceMethods {
  /** How a method returns. */
  public enum Shape {
    /** {@code R m(..)} or {@code void m(..)}: the client waits for the result. */
    BLOCKING,
    /** {@code CompletableFuture<R>} or {@code CompletionStage<R>}. */
    ASYNC,
    /** {@code Flow.Publisher<R>}: a server stream of items. */
    PUBLISHER
  }

  /**
   * One method: {@code argument} is null when it takes no value; {@code result} is the type of the
   * result, or of each item for {@link Shape#PUBLISHER}.
   */
  public record Op(
      Method method,
      String wireName,
      Shape shape,
      Type argument,
      Type result,
      boolean takesContext) {}

  private ServiceMethods() {}

  /**
   * The operations of {@code api}, by method; throws {@link IllegalArgumentException} naming the
   * first method that cannot be a remote method.
   */
  public static Map<Method, Op> of(Class<?> api, boolean serving) {
    if (!api.isInterface()) {
      throw new IllegalArgumentException(api.getName() + " is not an interface");
    }
    Map<Method, Op> ops = new LinkedHashMap<>();
    Map<String, Method> byName = new LinkedHashMap<>();
    for (Method m : api.getMethods()) {
      if (m.isDefault() || Modifier.isStatic(m.getModifiers())) {
        continue; // runs as written on the client; not a remote method
      }
      Op op = op(m, serving);
      Method clash = byName.putIfAbsent(op.wireName(), m);
      if (clash != null) {
        throw new IllegalArgumentException(
            "two methods of "
                + api.getName()
                + " are called '"
                + op.wireName()
                + "' on the wire: "
                + clash
                + " and "
                + m
                + " (overloads need distinct @RemoteMethod names)");
      }
      ops.put(m, op);
    }
    if (ops.isEmpty()) {
      throw new IllegalArgumentException(api.getName() + " declares no remote method");
    }
    return Map.copyOf(ops);
  }

  private static Op op(Method m, boolean serving) {
    RemoteMethod named = m.getAnnotation(RemoteMethod.class);
    String wireName = named != null ? named.value() : m.getName();
    if (wireName.isEmpty()) {
      throw new IllegalArgumentException(m + ": @RemoteMethod needs a name");
    }
    Type[] params = m.getGenericParameterTypes();
    int values = params.length;
    boolean takesContext = values > 0 && params[values - 1] == CallContext.class;
    if (takesContext) {
      if (!serving) {
        throw new IllegalArgumentException(
            m + ": a CallContext parameter is for the serving side; a client has none to pass");
      }
      values--;
    }
    if (values > 1) {
      throw new IllegalArgumentException(
          m
              + ": takes "
              + values
              + " values; a remote method takes at most one (a record carries several)");
    }
    Type argument = values == 1 ? params[0] : null;
    Class<?> raw = m.getReturnType();
    Type generic = m.getGenericReturnType();
    if (raw == CompletableFuture.class || raw == CompletionStage.class) {
      return new Op(m, wireName, Shape.ASYNC, argument, typeArgument(generic), takesContext);
    }
    if (raw == Flow.Publisher.class) {
      return new Op(m, wireName, Shape.PUBLISHER, argument, typeArgument(generic), takesContext);
    }
    return new Op(
        m,
        wireName,
        Shape.BLOCKING,
        argument,
        raw == void.class ? Void.class : generic,
        takesContext);
  }

  /** {@code R} of {@code Future<R>}; Object when the type is raw, a wildcard or a variable. */
  private static Type typeArgument(Type generic) {
    if (generic instanceof ParameterizedType p) {
      Type t = p.getActualTypeArguments()[0];
      if (t instanceof Class<?>
          || t instanceof ParameterizedType
          || t instanceof GenericArrayType) {
        return t;
      }
    }
    return Object.class;
  }
}
