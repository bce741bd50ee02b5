package io.callosum;

import java.lang.reflect.Type;

/**
 * The body of an incoming call (or of a stream item or a fan-out item), decoded on demand by the
 * receiving peer's codec. A handler reads it with {@link #value()} (the codec's generic form),
 * {@link #as(Class)} (a typed value, e.g. a record) or {@link #bytes()} (the raw encoded bytes, for
 * uppers that decode themselves). The core makes bodies; decoding runs on the thread that asks, so
 * a handler decodes on its own thread, never on the lower's I/O thread.
 */
public interface Body {
  /** The encoded body bytes, not copied: do not change them. */
  byte[] bytes();

  /** The body in the codec's generic form; throws {@link CodecException} if malformed. */
  Object value();

  /** The body decoded as {@code type}; throws {@link CodecException} if it does not fit. */
  <T> T as(Class<T> type);

  /** The body decoded as a generic {@code type} (e.g. from a {@code TypeReference}). */
  // T is the caller's choice: a reflective Type cannot tie it to the argument, as Class<T> does.
  @SuppressWarnings("TypeParameterUnusedInFormals")
  <T> T as(Type type);
}
