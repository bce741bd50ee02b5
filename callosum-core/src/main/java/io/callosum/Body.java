package io.callosum;

import io.callosum.upper.Codec;
import java.lang.reflect.Type;

/**
 * The body of an incoming call, decoded on demand by the peer's codec. A handler reads it with
 * {@link #value()} (the codec's generic form), {@link #as(Class)} (a typed value, e.g. a record) or
 * {@link #bytes()} (the raw encoded bytes, for uppers that decode themselves).
 */
public final class Body {
  private final byte[] bytes;
  private final Codec codec;

  public Body(byte[] bytes, Codec codec) {
    this.bytes = bytes;
    this.codec = codec;
  }

  /** The encoded body bytes, not copied: do not change them. */
  public byte[] bytes() {
    return bytes;
  }

  /** The body in the codec's generic form; throws {@link CodecException} if malformed. */
  public Object value() {
    return codec.decode(bytes, Object.class);
  }

  /** The body decoded as {@code type}; throws {@link CodecException} if it does not fit. */
  public <T> T as(Class<T> type) {
    return codec.decode(bytes, type);
  }

  /** The body decoded as a generic {@code type} (e.g. from a {@code TypeReference}). */
  public <T> T as(Type type) {
    return codec.decode(bytes, type);
  }

  @Override
  public String toString() {
    return "Body(" + bytes.length + " bytes, " + codec.name() + ")";
  }
}
