package io.callosum.internal;

import io.callosum.Body;
import io.callosum.upper.Codec;
import java.lang.reflect.Type;

/**
 * The core's {@link Body}: bytes as received, decoded by the peer's codec when asked. Immutable.
 */
public final class CodecBody implements Body {
  private final byte[] bytes;
  private final Codec codec;

  public CodecBody(byte[] bytes, Codec codec) {
    this.bytes = bytes;
    this.codec = codec;
  }

  @Override
  public byte[] bytes() {
    return bytes;
  }

  @Override
  public Object value() {
    return codec.decode(bytes, Object.class);
  }

  @Override
  public <T> T as(Class<T> type) {
    return codec.decode(bytes, type);
  }

  @Override
  @SuppressWarnings("TypeParameterUnusedInFormals") // as Body.as(Type): the caller picks T
  public <T> T as(Type type) {
    return codec.decode(bytes, type);
  }

  @Override
  public String toString() {
    return "Body(" + bytes.length + " bytes, " + codec.name() + ")";
  }
}
