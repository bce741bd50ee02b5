package io.callosum.upper.protobuf;

import com.google.protobuf.Message;
import com.google.protobuf.MessageLite;
import io.callosum.CodecException;
import io.callosum.Payload;
import io.callosum.upper.Codec;
import io.callosum.upper.protobuf.internal.Messages;
import java.lang.reflect.Type;

/**
 * Protobuf as a peer's codec: {@code Peer.builder().codec(new ProtobufCodec())} is the one line
 * that swaps msgpack for Protobuf. Encodes protobuf messages ({@code null} is the empty message);
 * decodes into a generated message class with the parse limits of {@link ProtobufServices}; a body
 * decoded without a message type ({@code Object.class}) is its {@link Payload}. Thread-safe.
 */
public final class ProtobufCodec implements Codec {
  /** A codec; it holds no state, so one may serve any number of peers. */
  public ProtobufCodec() {}

  @Override
  public String name() {
    return "protobuf";
  }

  @Override
  public byte[] encode(Object value) {
    if (value == null) {
      return new byte[0];
    }
    if (value instanceof MessageLite messageLite) {
      return messageLite.toByteArray();
    }
    if (value instanceof byte[] array) {
      return array;
    }
    throw new CodecException("protobuf encodes messages, not " + value.getClass().getName());
  }

  @Override
  // As Codec.decode: the caller picks T.
  @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"})
  public <T> T decode(byte[] bytes, Type type) {
    if (type == Object.class || type == Payload.class) {
      return (T) Payload.wrap(bytes);
    }
    if (type == byte[].class) {
      return (T) bytes;
    }
    if (type instanceof Class && Message.class.isAssignableFrom((Class<?>) type)) {
      return (T) Messages.parse(Messages.defaultInstance((Class<?>) type), bytes);
    }
    throw new CodecException(
        "protobuf decodes into generated message classes, not " + type.getTypeName());
  }
}
