package io.callosum;

import java.lang.reflect.Type;
import java.nio.ByteBuffer;

/**
 * The body of an incoming call (or of a stream item or a fan-out item), decoded on demand by the
 * receiving peer's codec. A handler reads it with {@link #value()} (the codec's generic form),
 * {@link #as(Class)} (a typed value, e.g. a record), {@link #bytes()} (the raw encoded bytes, for
 * uppers that decode themselves) or {@link #buffer()} (the same bytes, never copied). The core
 * makes bodies; decoding runs on the thread that asks, so a handler decodes on its own thread,
 * never on the lower's I/O thread.
 */
public interface Body {
  /**
   * The encoded body bytes; do not change them. Not copied per call: a body that holds its bytes
   * where they arrived (a large stream item, inside its frame) makes their array on the first call
   * and returns that array from then on; {@link #buffer()} reads them without an array.
   */
  byte[] bytes();

  /** How many encoded bytes the body has: {@code bytes().length}, without making the array. */
  default int size() {
    return bytes().length;
  }

  /**
   * The encoded body bytes as a read-only buffer (position 0, limit {@link #size}), never copied:
   * for a consumer that passes them on — to a file, a socket, a digest — without an array of its
   * own. Each call returns a new buffer over the same bytes.
   */
  default ByteBuffer buffer() {
    return ByteBuffer.wrap(bytes()).asReadOnlyBuffer();
  }

  /** The body in the codec's generic form; throws {@link CodecException} if malformed. */
  Object value();

  /** The body decoded as {@code type}; throws {@link CodecException} if it does not fit. */
  <T> T as(Class<T> type);

  /** The body decoded as a generic {@code type} (e.g. from a {@code TypeReference}). */
  // T is the caller's choice: a reflective Type cannot tie it to the argument, as Class<T> does.
  @SuppressWarnings("TypeParameterUnusedInFormals")
  <T> T as(Type type);
}
