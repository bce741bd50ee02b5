package io.callosum.upper.thrift.internal;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the generated code of one service declares: its {@code Iface}'s methods and, per method, the
 * {@code <method>_args} and {@code <method>_result} classes nested in the service class (a oneway
 * method has no result class). Works with code from any Thrift compiler, 0.17 included.
 */
public final class ServiceShape {
  /** One method of the service. */
  public static final class MethodShape {
    public final Method method;
    public final Class<?> args;

    /** Null for a oneway method. */
    public final Class<?> result;

    MethodShape(Method method, Class<?> args, Class<?> result) {
      this.method = method;
      this.args = args;
      this.result = result;
    }

    public boolean oneway() {
      return result == null;
    }
  }

  private final String name;
  private final Map<String, MethodShape> methods = new TreeMap<>();

  public ServiceShape(Class<?> iface) {
    Class<?> service = iface.getEnclosingClass();
    if (!iface.isInterface() || service == null) {
      throw new IllegalArgumentException(iface + " is not the Iface of a generated Thrift service");
    }
    this.name = service.getSimpleName();
    for (Method m : iface.getMethods()) {
      // An inherited method (service Child extends Calc) has its structs in the parent's class.
      Class<?> owner = m.getDeclaringClass().getEnclosingClass();
      Map<String, Class<?>> nested = new TreeMap<>();
      for (Class<?> c : (owner == null ? service : owner).getDeclaredClasses()) {
        nested.put(c.getSimpleName(), c);
      }
      Class<?> args = nested.get(m.getName() + "_args");
      if (args == null || methods.containsKey(m.getName())) {
        throw new IllegalArgumentException(
            service.getName()
                + " has no single "
                + m.getName()
                + "_args: not generated Thrift code?");
      }
      methods.put(m.getName(), new MethodShape(m, args, nested.get(m.getName() + "_result")));
    }
  }

  /** The simple name of the generated service class, e.g. {@code Calc}. */
  public String name() {
    return name;
  }

  /** The methods by name, sorted. */
  public Map<String, MethodShape> methods() {
    return methods;
  }
}
