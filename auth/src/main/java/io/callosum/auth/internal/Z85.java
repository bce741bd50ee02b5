package io.callosum.auth.internal;

import java.util.Arrays;

/**
 * ZeroMQ's Z85 text encoding of binary data (ZeroMQ RFC 32): every 4 bytes become 5 printable
 * characters. Only whole groups are encoded: the byte length must be a multiple of 4 and the text
 * length a multiple of 5. Stateless and thread-safe.
 */
public final class Z85 {
  private static final String ALPHABET =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  private static final char[] ENCODE = ALPHABET.toCharArray();

  /** Digit value of each ASCII character, or -1 if it is not in the alphabet. */
  private static final byte[] DECODE = new byte[128];

  static {
    Arrays.fill(DECODE, (byte) -1);
    for (int i = 0; i < ENCODE.length; i++) {
      DECODE[ENCODE[i]] = (byte) i;
    }
  }

  private Z85() {}

  /**
   * The Z85 text of {@code data}.
   *
   * @throws IllegalArgumentException if the length of {@code data} is not a multiple of 4
   */
  public static String encode(byte[] data) {
    if (data.length % 4 != 0) {
      throw new IllegalArgumentException(
          "Z85 encodes whole groups of 4 bytes; " + data.length + " bytes is not a multiple of 4");
    }
    char[] out = new char[data.length / 4 * 5];
    for (int in = 0, o = 0; in < data.length; in += 4, o += 5) {
      long value =
          (data[in] & 0xffL) << 24
              | (data[in + 1] & 0xff) << 16
              | (data[in + 2] & 0xff) << 8
              | (data[in + 3] & 0xff);
      for (int d = 4; d >= 0; d--) {
        out[o + d] = ENCODE[(int) (value % 85)];
        value /= 85;
      }
    }
    return new String(out);
  }

  /**
   * The bytes that the Z85 {@code text} encodes.
   *
   * @throws IllegalArgumentException if the length of {@code text} is not a multiple of 5, if it
   *     holds a character outside the Z85 alphabet, or if a group of 5 characters stands for more
   *     than 32 bits; the message says where, without quoting the text
   */
  public static byte[] decode(CharSequence text) {
    int length = text.length();
    if (length % 5 != 0) {
      throw new IllegalArgumentException(
          "Z85 text comes in whole groups of 5 characters; "
              + length
              + " characters is not a multiple of 5");
    }
    byte[] out = new byte[length / 5 * 4];
    for (int in = 0, o = 0; in < length; in += 5, o += 4) {
      long value = 0;
      for (int d = 0; d < 5; d++) {
        char c = text.charAt(in + d);
        int digit = c < 128 ? DECODE[c] : -1;
        if (digit < 0) {
          // The character itself is not shown: the text may be a secret key.
          throw new IllegalArgumentException(
              "the character at index " + (in + d) + " is not in the Z85 alphabet");
        }
        value = value * 85 + digit;
      }
      if (value > 0xffffffffL) {
        throw new IllegalArgumentException(
            "the Z85 group at index " + in + " stands for more than 32 bits");
      }
      out[o] = (byte) (value >>> 24);
      out[o + 1] = (byte) (value >>> 16);
      out[o + 2] = (byte) (value >>> 8);
      out[o + 3] = (byte) value;
    }
    return out;
  }
}
