package io.callosum.lower.tcp.internal.curve;

/**
 * NaCl's {@code crypto_secretbox} (XSalsa20-Poly1305) in its compact form, where a box is the
 * 16-byte Poly1305 tag followed by the ciphertext: the first 32 bytes of the XSalsa20 key stream
 * are the Poly1305 key, the rest encrypts the message, and the tag covers the ciphertext. Every
 * implementation gives the same bytes ({@code SecretBoxTest} checks them against each other and
 * against NaCl's vectors); {@link NaclBox} picks one for the process.
 *
 * <p>Implementations are stateless and thread-safe.
 */
interface SecretBox {
  /**
   * Boxes {@code length} bytes of {@code in} from {@code inOff}: writes the tag at {@code
   * out[outOff]} and the ciphertext at {@code out[outOff + 16]}. {@code in} and {@code out} may be
   * the same array when the message already stands at {@code outOff + 16}; other overlaps are not
   * allowed.
   */
  void seal(byte[] key, byte[] nonce, byte[] in, int inOff, int length, byte[] out, int outOff);

  /**
   * Opens the box of {@code length} bytes (tag and ciphertext, at least 16) at {@code in[inOff]}:
   * checks the tag in constant time, then writes the {@code length - 16} bytes of the message at
   * {@code out[outOff]}.
   *
   * @return false, with nothing written, if the box was not made with this key and nonce
   */
  default boolean open(
      byte[] key, byte[] nonce, byte[] in, int inOff, int length, byte[] out, int outOff) {
    return open(key, nonce, in, inOff, length, NO_HEAD, out, outOff);
  }

  /** An empty head for the method below. */
  byte[] NO_HEAD = new byte[0];

  /**
   * Opens the box as the method above does, but writes the first {@code head.length} bytes of the
   * message into {@code head} and the rest at {@code out[at]}: a caller that strips a prefix of the
   * message (a MESSAGE command's flags byte) gets the rest without copying it again.
   *
   * @return false, with nothing written, if the box was not made with this key and nonce, or its
   *     message is shorter than {@code head}
   */
  default boolean open(
      byte[] key, byte[] nonce, byte[] in, int inOff, int length, byte[] head, byte[] out, int at) {
    return open(key, nonce, in, inOff, length, head, (h, n, rest) -> rest.next(out, at, n));
  }

  /**
   * Opens the box as the methods above do: once its tag is checked, writes the first {@code
   * head.length} bytes of the message into {@code head} and lets {@code reader} put the rest where
   * the head says it goes, without the message as an array of its own (a DATA frame's header and
   * body, straight into their arrays).
   *
   * @return false, with nothing written and {@code reader} not called, if the box was not made with
   *     this key and nonce, or its message is shorter than {@code head}
   */
  boolean open(
      byte[] key, byte[] nonce, byte[] in, int inOff, int length, byte[] head, Reader reader);

  /** Where the rest of an opened message goes: called once, on the opening thread. */
  interface Reader {
    /**
     * The message's head is in {@code head}; {@code rest} hands out the {@code restLength} bytes
     * after it, in order.
     */
    void read(byte[] head, int restLength, Rest rest);
  }

  /** The rest of an opened message, valid only during {@link Reader#read}. */
  interface Rest {
    /**
     * Writes the next {@code length} bytes of the message at {@code into[off]}.
     *
     * @throws IndexOutOfBoundsException past the message's end
     */
    void next(byte[] into, int off, int length);
  }

  /** What implements it, for logs and reports: {@code "libsodium"} or {@code "bouncycastle"}. */
  String name();
}
