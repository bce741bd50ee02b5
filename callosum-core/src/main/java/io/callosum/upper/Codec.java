package io.callosum.upper;

import io.callosum.CodecException;
import java.lang.reflect.Type;

/**
 * The upper layer's SPI: turns application values into the bytes of a call body and back. A peer
 * has one default codec ({@code Peer.builder().codec(...)}), so swapping msgpack for another
 * encoding is one line. A codec never sees the lower or the envelope.
 *
 * <p>Implementations must be thread-safe: handlers and callers use one codec from many threads. Two
 * codecs that decode every input alike may say so with {@link Object#equals}: receivers of one
 * process that share a link then share each decoded item (as they do when they use one codec).
 */
public interface Codec {
  /** A short name for logs, e.g. {@code "msgpack"}. */
  String name();

  /** Encodes {@code value} (may be null). Throws {@link CodecException} when it cannot. */
  byte[] encode(Object value);

  /**
   * Decodes {@code bytes} as {@code type}: {@code Object.class} means the codec's natural generic
   * form (for msgpack: maps, lists, strings, numbers, byte arrays). Throws {@link CodecException}
   * for malformed input; never allocates much more than the input's size warrants.
   */
  // T is the caller's choice: a reflective Type cannot tie it to the argument, as Class<T> does.
  @SuppressWarnings("TypeParameterUnusedInFormals")
  <T> T decode(byte[] bytes, Type type);
}
