package io.callosum.upper.thrift.internal;

import io.callosum.CodecException;
import io.callosum.Payload;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import org.apache.thrift.TBase;
import org.apache.thrift.TConfiguration;
import org.apache.thrift.TException;
import org.apache.thrift.TFieldIdEnum;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.transport.TMemoryBuffer;

/**
 * Serves one method from an {@code Iface} implementation with the generated {@code _args} and
 * {@code _result} structs, as a generated Processor would: reads the arguments, calls the method,
 * writes the return value or a declared exception into the result struct. An exception that the IDL
 * does not declare is thrown on, to reach the caller as a Callosum error.
 */
public final class IfaceServer implements MethodServer {
  private final Object implementation;
  private final ServiceShape.MethodShape shape;
  private final TConfiguration configuration;
  private final Constructor<?> newArgs;
  private final TFieldIdEnum[] argFields;
  private final Constructor<?> newResult;
  private final TFieldIdEnum success;
  private final List<TFieldIdEnum> exceptionFields = new ArrayList<>();
  private final List<Class<?>> exceptionTypes = new ArrayList<>();

  public IfaceServer(
      Object implementation, ServiceShape.MethodShape shape, TConfiguration configuration) {
    this.implementation = implementation;
    this.shape = shape;
    this.configuration = configuration;
    try {
      newArgs = shape.args.getConstructor();
      argFields = fields(shape.args);
      if (argFields.length != shape.method.getParameterCount()) {
        throw new IllegalArgumentException(
            shape.args.getName() + " does not match " + shape.method);
      }
      if (shape.oneway()) {
        newResult = null;
        success = null;
      } else {
        newResult = shape.result.getConstructor();
        TFieldIdEnum found = null;
        for (TFieldIdEnum f : fields(shape.result)) {
          if (f.getThriftFieldId() == 0) {
            found = f;
          } else {
            exceptionFields.add(f);
            exceptionTypes.add(shape.result.getField(f.getFieldName()).getType());
          }
        }
        success = found;
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("not generated Thrift code: " + shape.args.getName(), e);
    }
  }

  private static TFieldIdEnum[] fields(Class<?> struct) {
    for (Class<?> c : struct.getClasses()) {
      if (c.getSimpleName().equals("_Fields") && c.isEnum()) {
        return (TFieldIdEnum[])
            c.getEnumConstants(); // in IDL order, as the Iface method's parameters
      }
    }
    throw new IllegalArgumentException(
        struct.getName() + " has no _Fields: not generated Thrift code?");
  }

  @Override
  @SuppressWarnings({"rawtypes", "unchecked"})
  public Payload serve(byte[] request) throws Exception {
    TProtocol in = ThriftMessages.reader(configuration, request);
    TBase args = (TBase) newArgs.newInstance();
    TMessage header;
    try {
      header =
          ThriftMessages.checkCall(in.readMessageBegin(), shape.method.getName(), shape.oneway());
      args.read(in);
      in.readMessageEnd();
    } catch (TException | RuntimeException e) {
      if (e instanceof CodecException) {
        throw e;
      }
      throw ThriftMessages.malformed(
          "the arguments of " + shape.method.getName() + " do not decode", e);
    }
    Object[] values = new Object[argFields.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = args.getFieldValue(argFields[i]);
    }
    TBase result = shape.oneway() ? null : (TBase) newResult.newInstance();
    try {
      Object value = shape.method.invoke(implementation, values);
      if (success != null) {
        result.setFieldValue(success, value);
      }
    } catch (InvocationTargetException e) {
      Throwable thrown = e.getCause();
      int declared = shape.oneway() ? -1 : declaredIndex(thrown);
      if (declared < 0) {
        if (thrown instanceof Error error) {
          throw error;
        }
        throw (Exception) thrown;
      }
      result.setFieldValue(exceptionFields.get(declared), thrown);
    }
    if (shape.oneway()) {
      return Payload.wrap(new byte[0]);
    }
    TMemoryBuffer out = ThriftMessages.buffer(configuration);
    TProtocol p = ThriftMessages.protocol(out);
    p.writeMessageBegin(new TMessage(header.name, TMessageType.REPLY, header.seqid));
    result.write(p);
    p.writeMessageEnd();
    return ThriftMessages.payload(out);
  }

  private int declaredIndex(Throwable thrown) {
    for (int i = 0; i < exceptionTypes.size(); i++) {
      if (exceptionTypes.get(i).isInstance(thrown)) {
        return i;
      }
    }
    return -1;
  }
}
