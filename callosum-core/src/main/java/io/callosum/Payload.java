package io.callosum;

import java.util.Arrays;
import java.util.Objects;

/**
 * Bytes that are already encoded by an upper: passed as a call body or returned by a handler, they
 * are sent as they are instead of going through the peer's codec. Uppers such as Protobuf and
 * Thrift use this to carry their own encoding; {@link Invocation#invokeRaw} returns one.
 */
public final class Payload {
  private final byte[] bytes;

  private Payload(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Wraps {@code bytes} without copying; the caller must not change them afterwards. */
  public static Payload wrap(byte[] bytes) {
    return new Payload(Objects.requireNonNull(bytes, "bytes"));
  }

  /** The bytes, not copied: do not change them. */
  public byte[] bytes() {
    return bytes;
  }

  public int size() {
    return bytes.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Payload payload && Arrays.equals(bytes, payload.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "Payload(" + bytes.length + " bytes)";
  }
}
