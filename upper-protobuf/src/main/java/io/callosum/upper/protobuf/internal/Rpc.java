package io.callosum.upper.protobuf.internal;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Message;

/** One rpc of a service as both ends need it: its wire name, shape and message prototypes. */
public final class Rpc {
  enum Shape {
    UNARY,
    SERVER_STREAM,
    CLIENT_STREAM,
    BIDI;

    static Shape of(MethodDescriptor m) {
      if (m.isClientStreaming()) {
        return m.isServerStreaming() ? BIDI : CLIENT_STREAM;
      }
      return m.isServerStreaming() ? SERVER_STREAM : UNARY;
    }
  }

  final MethodDescriptor descriptor;
  final String wireName;
  final Shape shape;
  final Message request;
  final Message response;

  Rpc(MethodDescriptor descriptor, Message request, Message response) {
    this.descriptor = descriptor;
    this.wireName = wireName(descriptor);
    this.shape = Shape.of(descriptor);
    this.request = request;
    this.response = response;
  }

  /** {@code package.Service/Method}, the method name on the wire. */
  public static String wireName(MethodDescriptor m) {
    return m.getService().getFullName() + "/" + m.getName();
  }

  @Override
  public String toString() {
    return wireName;
  }
}
