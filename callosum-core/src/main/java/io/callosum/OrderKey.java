package io.callosum;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

/**
 * The order key of a call ({@code okey} on the wire). Calls with equal keys are ordered by the
 * callee's {@link Ordering}; different keys never wait for each other.
 *
 * <p>A key keeps its exact msgpack encoding, so a string key and a binary key with the same bytes
 * are different keys (as in Python Callosum) and replies echo the key with its original type. The
 * default key, {@link #NONE}, is the empty binary string that Python Callosum sends when no key is
 * given. Instances are immutable and thread-safe.
 */
public final class OrderKey {
  /** The default key: an empty msgpack bin ({@code c4 00}). All un-keyed calls share it. */
  public static final OrderKey NONE = new OrderKey(new byte[] {(byte) 0xc4, 0x00});

  private final byte[] encoded;
  private final int hash;

  private OrderKey(byte[] encoded) {
    this.encoded = encoded;
    this.hash = Arrays.hashCode(encoded);
  }

  /** A key sent as a msgpack str. */
  public static OrderKey of(String key) {
    Objects.requireNonNull(key, "key");
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packString(key);
      return new OrderKey(p.toByteArray());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A key sent as a msgpack bin. */
  public static OrderKey ofBytes(byte[] key) {
    Objects.requireNonNull(key, "key");
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packBinaryHeader(key.length);
      p.writePayload(key);
      return new OrderKey(p.toByteArray());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A key from its msgpack encoding, exactly as it appeared on the wire (any msgpack type). The
   * caller guarantees that {@code encoded} holds exactly one msgpack value.
   *
   * @throws IllegalArgumentException if {@code encoded} is empty
   */
  public static OrderKey fromEncoded(byte[] encoded) {
    if (encoded.length == 0) {
      throw new IllegalArgumentException("an order key's encoding cannot be empty");
    }
    return new OrderKey(encoded.clone());
  }

  /**
   * A key from the msgpack encoding in {@code frame[from, to)}, exactly as it appeared on the wire:
   * for codecs, which read it out of a frame with one copy ({@link #NONE} itself, with none). The
   * caller guarantees that the range holds exactly one msgpack value.
   *
   * @throws IllegalArgumentException if the range is empty
   * @throws IndexOutOfBoundsException if it is not within {@code frame}
   */
  public static OrderKey fromEncoded(byte[] frame, int from, int to) {
    Objects.checkFromToIndex(from, to, frame.length);
    if (from == to) {
      throw new IllegalArgumentException("an order key's encoding cannot be empty");
    }
    if (Arrays.equals(frame, from, to, NONE.encoded, 0, NONE.encoded.length)) {
      return NONE;
    }
    return new OrderKey(Arrays.copyOfRange(frame, from, to));
  }

  /** The key's msgpack encoding (a copy). */
  public byte[] encoded() {
    return encoded.clone();
  }

  /** The number of bytes of the key's msgpack encoding. */
  public int encodedSize() {
    return encoded.length;
  }

  /**
   * Copies the key's msgpack encoding into {@code dst} at {@code at} ({@link #encodedSize} bytes).
   * For codecs.
   *
   * @throws IndexOutOfBoundsException if it does not fit
   */
  public void copyTo(byte[] dst, int at) {
    System.arraycopy(encoded, 0, dst, at, encoded.length);
  }

  /** Writes the key's msgpack encoding. For codecs; does not copy. */
  public void writeTo(OutputStream out) throws IOException {
    out.write(encoded);
  }

  /** Whether the key is a msgpack str. */
  public boolean isString() {
    int b = encoded[0] & 0xff;
    return (b >= 0xa0 && b <= 0xbf) || b == 0xd9 || b == 0xda || b == 0xdb;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OrderKey orderKey && Arrays.equals(encoded, orderKey.encoded);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /**
   * A readable form: {@code "text"} for a str key, {@code b"..."} for a bin key; long keys are cut.
   */
  @Override
  public String toString() {
    String text;
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(encoded)) {
      Value v = u.unpackValue();
      if (v.isStringValue()) {
        text = '"' + v.asStringValue().asString() + '"';
      } else if (v.isBinaryValue()) {
        text =
            "b\"" + new String(v.asBinaryValue().asByteArray(), StandardCharsets.ISO_8859_1) + '"';
      } else {
        text = v.toJson();
      }
    } catch (IOException | RuntimeException e) {
      return "okey(" + encoded.length + " bytes)";
    }
    return text.length() <= 80 ? text : text.substring(0, 60) + "...(" + encoded.length + " bytes)";
  }
}
