package io.callosum.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessageIntegerOverflowException;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageSizeException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.ArrayBufferInput;

/**
 * The msgpack that the header and body frames share: a small packer per thread, strict unpackers
 * reset for each frame, and reading a frame a remote sent without trusting it: keys compared in the
 * frame's bytes, integers read without allocating, and every size and count checked against the
 * bytes left before anything is allocated or looped over.
 *
 * <p>Stateless; the packers are per thread, and an {@link Unpacker} belongs to one thread.
 */
final class Msgpack {
  /**
   * Strict unpacking: malformed UTF-8 is refused rather than replaced, as Python's raw=False does.
   */
  private static final MessagePack.UnpackerConfig STRICT =
      new MessagePack.UnpackerConfig()
          .withActionOnMalformedString(CodingErrorAction.REPORT)
          .withActionOnUnmappableString(CodingErrorAction.REPORT)
          .withAllowReadingStringAsBinary(false)
          .withAllowReadingBinaryAsString(false);

  /** Headers are a few dozen bytes: a small first buffer instead of msgpack's default 8 KiB. */
  private static final MessagePack.PackerConfig SMALL_PACKER =
      new MessagePack.PackerConfig().withBufferSize(128);

  private static final ThreadLocal<MessageBufferPacker> PACKERS =
      ThreadLocal.withInitial(SMALL_PACKER::newBufferPacker);

  private Msgpack() {}

  /**
   * This thread's packer, cleared: a header and the msgpack before a body's bytes are packed in it.
   * The caller clears it again when done.
   */
  static MessageBufferPacker packer() {
    MessageBufferPacker p = PACKERS.get();
    p.clear();
    return p;
  }

  /**
   * A strict unpacker with its input, reset for each frame instead of allocated, and the count of
   * values a frame may still hold ({@code Limits.maxElements}).
   */
  static final class Unpacker {
    private final ArrayBufferInput input = new ArrayBufferInput(new byte[0]);
    private final MessageUnpacker unpacker = STRICT.newUnpacker(input);
    private int maxValues;
    private long valuesLeft;

    /** Starts on {@code frame}, which may hold at most {@code maxValues} values. */
    MessageUnpacker reset(byte[] frame, int maxValues) throws IOException {
      input.reset(frame);
      unpacker.reset(input);
      this.maxValues = maxValues;
      this.valuesLeft = maxValues;
      return unpacker;
    }

    /** Counts {@code n} more values of the frame; refuses a frame of more than the limit. */
    void count(long n) {
      valuesLeft -= n;
      if (valuesLeft < 0) {
        throw new MessageSizeException(
            "a frame of more than " + maxValues + " msgpack values (Limits.maxElements)", n);
      }
    }

    /**
     * Skips one value of the frame of {@code frameLength} bytes ({@link #skipBounded}), counting
     * what it holds.
     */
    void skip(int frameLength) throws IOException {
      skipBounded(this, frameLength);
    }
  }

  /** Each of {@code keys} as a msgpack fixstr (ASCII, at most 31 bytes). */
  static byte[][] fixstrs(String... keys) {
    byte[][] encoded = new byte[keys.length][];
    for (int i = 0; i < keys.length; i++) {
      byte[] ascii = keys[i].getBytes(StandardCharsets.US_ASCII);
      encoded[i] = new byte[1 + ascii.length];
      encoded[i][0] = (byte) (0xa0 | ascii.length);
      System.arraycopy(ascii, 0, encoded[i], 1, ascii.length);
    }
    return encoded;
  }

  /**
   * Reads a str map key: the index in {@code names} of the one it is, or -1 for another key. A key
   * written as a fixstr (as every msgpack encoder writes short strings) is compared in the frame's
   * bytes without building a String; any other is read, strictly, with {@link #text}.
   */
  static int key(MessageUnpacker u, byte[] frame, String[] names, byte[][] fixstrs)
      throws IOException {
    int at = (int) u.getTotalReadBytes();
    for (int k = 0; k < fixstrs.length; k++) {
      byte[] key = fixstrs[k];
      if (at + key.length <= frame.length
          && Arrays.equals(frame, at, at + key.length, key, 0, key.length)) {
        u.skipValue();
        return k;
      }
    }
    String text = text(u, frame.length);
    for (int k = 0; k < names.length; k++) {
      if (names[k].equals(text)) {
        return k;
      }
    }
    return -1;
  }

  /**
   * An integer without allocating: its value if it fits a long, else (a uint64 of 2^63 or more)
   * {@link Long#MAX_VALUE}, which is out of every header field's range alike.
   */
  static long integer(MessageUnpacker u) throws IOException {
    try {
      return u.unpackLong();
    } catch (MessageIntegerOverflowException e) {
      return Long.MAX_VALUE;
    }
  }

  /** An {@link #integer} for an error message. */
  static String shown(long value) {
    return value == Long.MAX_VALUE ? "2^63-1 or more" : Long.toString(value);
  }

  /**
   * A str: map keys and {@code meth}. ASCII (every key the codec knows, and method names in
   * practice) is taken as it is, without a charset decoder, which was most of a small message's
   * decoding time; anything else is decoded strictly, so malformed UTF-8 is refused as Python's
   * {@code raw=False} refuses it. The length is checked against the frame first.
   */
  static String text(MessageUnpacker u, int frameLength) throws IOException {
    int len = u.unpackRawStringHeader();
    if (len > frameLength - u.getTotalReadBytes()) {
      throw new MessageSizeException("str of " + len + " bytes is longer than its frame", len);
    }
    byte[] b = u.readPayload(len);
    for (byte x : b) {
      if (x < 0) {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(b))
            .toString();
      }
    }
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  /**
   * Skips one msgpack value without trusting its declared counts: a container announcing more
   * elements than bytes remain is malformed (every element takes at least one byte), and so is one
   * that takes the frame past its count of values ({@link Unpacker#count}). This avoids the
   * unbounded loops and overflows of skipping a hostile MAP32/ARRAY32. Iterative, so deep nesting
   * cannot overflow the stack.
   */
  private static void skipBounded(Unpacker up, int frameLength) throws IOException {
    MessageUnpacker u = up.unpacker;
    up.count(1);
    long pending = 1;
    while (pending > 0) {
      pending--;
      MessageFormat f = u.getNextFormat();
      long n =
          switch (f.getValueType()) {
            case MAP -> 2L * u.unpackMapHeader();
            case ARRAY -> u.unpackArrayHeader();
            default -> {
              u.skipValue();
              yield 0;
            }
          };
      pending += n;
      checkCount(u, pending, frameLength);
      up.count(n);
    }
  }

  /** Refuses {@code count} values when fewer bytes than that remain (each takes at least one). */
  static void checkCount(MessageUnpacker u, long count, int frameLength) {
    if (count > frameLength - u.getTotalReadBytes()) {
      throw new MessageSizeException(
          "container of " + count + " values is longer than its frame", count);
    }
  }

  /** Reads a bin whose length is checked against the frame before anything is allocated. */
  static byte[] binPayload(MessageUnpacker u, int frameLength) throws IOException {
    int len = u.unpackBinaryHeader();
    if (len > frameLength - u.getTotalReadBytes()) {
      throw new MessageSizeException("bin of " + len + " bytes is longer than its frame", len);
    }
    return u.readPayload(len);
  }
}
