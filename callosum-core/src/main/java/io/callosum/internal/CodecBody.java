package io.callosum.internal;

import io.callosum.Body;
import io.callosum.upper.Codec;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The core's {@link Body}: bytes as received, decoded by the peer's codec when asked. Immutable.
 * The bytes may be a view into the frame they arrived in ({@link MessageCodec.BodyFrame}): then
 * {@link #size} and {@link #buffer} read them where they are, and {@link #bytes} (and decoding)
 * copies them into an array of their own once, on the thread that first asks.
 */
public final class CodecBody implements Body {
  /** The bytes, position 0 to the limit; never moved. */
  private final ByteBuffer payload;

  private final Codec codec;

  /** The bytes as an array of their own once made (benign race: a copy is equal to any other). */
  private volatile byte[] bytes;

  public CodecBody(byte[] bytes, Codec codec) {
    this.payload = ByteBuffer.wrap(bytes);
    this.bytes = bytes;
    this.codec = codec;
  }

  /** A body of {@code payload}'s bytes from position 0 to its limit, which no one moves. */
  public CodecBody(ByteBuffer payload, Codec codec) {
    this.payload = payload;
    this.codec = codec;
  }

  /**
   * {@code payload}'s bytes (position 0 to its limit) as an array of their own: its backing array
   * when it is exactly that, else a copy.
   */
  static byte[] arrayOf(ByteBuffer payload) {
    byte[] array = payload.array();
    int from = payload.arrayOffset();
    int length = payload.limit();
    return from == 0 && length == array.length
        ? array
        : Arrays.copyOfRange(array, from, from + length);
  }

  @Override
  public byte[] bytes() {
    byte[] b = bytes;
    if (b == null) {
      b = arrayOf(payload);
      bytes = b;
    }
    return b;
  }

  @Override
  public int size() {
    return payload.limit();
  }

  @Override
  public ByteBuffer buffer() {
    return payload.asReadOnlyBuffer();
  }

  @Override
  public Object value() {
    return codec.decode(bytes(), Object.class);
  }

  @Override
  public <T> T as(Class<T> type) {
    return codec.decode(bytes(), type);
  }

  @Override
  @SuppressWarnings("TypeParameterUnusedInFormals") // as Body.as(Type): the caller picks T
  public <T> T as(Type type) {
    return codec.decode(bytes(), type);
  }

  @Override
  public String toString() {
    return "Body(" + size() + " bytes, " + codec.name() + ")";
  }
}
