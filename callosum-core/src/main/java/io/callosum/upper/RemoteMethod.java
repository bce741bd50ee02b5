package io.callosum.upper;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The name a method of a typed service interface ({@link MsgpackServices}) has on the wire, when it
 * is not the Java method's name: e.g. {@code @RemoteMethod("get_status")} for a Python Callosum
 * handler registered under that name.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface RemoteMethod {
  /** The method name callers send and the server registers. */
  String value();
}
