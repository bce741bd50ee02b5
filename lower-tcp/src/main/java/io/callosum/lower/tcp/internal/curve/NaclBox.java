package io.callosum.lower.tcp.internal.curve;

import java.util.Arrays;
import org.bouncycastle.crypto.engines.Salsa20Engine;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.bouncycastle.util.Pack;

/**
 * NaCl's {@code crypto_box} (curve25519xsalsa20poly1305), the primitive of CurveZMQ, composed from
 * bouncycastle's X25519, Salsa20 core, XSalsa20 and Poly1305. Byte-identical to NaCl, libsodium and
 * jnacl, in the compact form without NaCl's zero padding: a box is the 16-byte Poly1305 tag
 * followed by the ciphertext.
 *
 * <ul>
 *   <li>{@link #beforenm}: {@code crypto_box_beforenm}, the box key HSalsa20(X25519(secret,
 *       public), 16 zero bytes);
 *   <li>{@link #seal} / {@link #open}: {@code crypto_secretbox} / {@code crypto_secretbox_open}
 *       (the same as {@code crypto_box_afternm} / {@code crypto_box_open_afternm} with a box key):
 *       the first 32 bytes of the XSalsa20 key stream are the Poly1305 key, the rest encrypts the
 *       message, and the tag covers the ciphertext.
 * </ul>
 *
 * <p>Stateless and thread-safe. The only hand-written part is HSalsa20's choice of output words,
 * which bouncycastle does not expose (its XSalsa20 computes HSalsa20 internally in the same way).
 */
final class NaclBox {
  /** The length of a box key, a public key and a secret key. */
  static final int KEY_LENGTH = 32;

  /** The length of a full nonce. */
  static final int NONCE_LENGTH = 24;

  /** The length of the Poly1305 tag that a box adds to its message. */
  static final int TAG_LENGTH = 16;

  /** "expand 32-byte k", Salsa20's constant for 32-byte keys, as four little-endian words. */
  private static final int[] SIGMA = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};

  /**
   * The words of the Salsa20 state that HSalsa20 outputs: the diagonal, then the nonce positions.
   */
  private static final int[] HSALSA20_OUTPUT = {0, 5, 10, 15, 6, 7, 8, 9};

  private NaclBox() {}

  /**
   * Writes the box key of {@code publicKey} and {@code secretKey} ({@code crypto_box_beforenm})
   * into {@code key}.
   *
   * @return false (and {@code key} zeroed) if the public key is a low-order point, whose shared
   *     secret is all zeros and secret from no one
   */
  static boolean beforenm(byte[] publicKey, byte[] secretKey, byte[] key) {
    byte[] shared = new byte[KEY_LENGTH];
    try {
      if (!X25519.calculateAgreement(secretKey, 0, publicKey, 0, shared, 0)) {
        Arrays.fill(key, (byte) 0);
        return false;
      }
      hsalsa20(shared, new byte[16], key);
      return true;
    } finally {
      Arrays.fill(shared, (byte) 0);
    }
  }

  /**
   * HSalsa20 of a 32-byte key and a 16-byte input: the Salsa20 rounds over (constants, key, input)
   * without the final addition of the input, then the diagonal and the input's positions.
   */
  static void hsalsa20(byte[] key, byte[] input, byte[] out) {
    int[] x = new int[16];
    int[] y = new int[16];
    x[0] = SIGMA[0];
    x[5] = SIGMA[1];
    x[10] = SIGMA[2];
    x[15] = SIGMA[3];
    Pack.littleEndianToInt(key, 0, x, 1, 4);
    Pack.littleEndianToInt(key, 16, x, 11, 4);
    Pack.littleEndianToInt(input, 0, x, 6, 4);
    Salsa20Engine.salsaCore(20, x, y);
    // salsaCore adds the input words at the end; HSalsa20 takes the rounds' result before that
    // addition.
    for (int i = 0; i < HSALSA20_OUTPUT.length; i++) {
      int w = HSALSA20_OUTPUT[i];
      Pack.intToLittleEndian(y[w] - x[w], out, 4 * i);
    }
    Arrays.fill(x, 0);
    Arrays.fill(y, 0);
  }

  /**
   * Boxes {@code length} bytes of {@code in} from {@code inOff}: writes the tag at {@code
   * out[outOff]} and the ciphertext at {@code out[outOff + 16]}. {@code in} and {@code out} may be
   * the same array when the message already stands at {@code outOff + 16}; other overlaps are not
   * allowed.
   */
  static void seal(
      byte[] key, byte[] nonce, byte[] in, int inOff, int length, byte[] out, int outOff) {
    byte[] macKey = new byte[KEY_LENGTH];
    XSalsa20Engine cipher = cipher(key, nonce, macKey);
    cipher.processBytes(in, inOff, length, out, outOff + TAG_LENGTH);
    Poly1305 mac = new Poly1305();
    mac.init(new KeyParameter(macKey));
    Arrays.fill(macKey, (byte) 0);
    mac.update(out, outOff + TAG_LENGTH, length);
    mac.doFinal(out, outOff);
  }

  /**
   * Opens the box of {@code length} bytes (tag and ciphertext) at {@code in[inOff]}: checks the tag
   * in constant time, then writes the {@code length - 16} bytes of the message at {@code
   * out[outOff]}.
   *
   * @return false, with nothing written, if the box is shorter than a tag or was not made with this
   *     key and nonce
   */
  static boolean open(
      byte[] key, byte[] nonce, byte[] in, int inOff, int length, byte[] out, int outOff) {
    if (length < TAG_LENGTH) {
      return false;
    }
    byte[] macKey = new byte[KEY_LENGTH];
    XSalsa20Engine cipher = cipher(key, nonce, macKey);
    Poly1305 mac = new Poly1305();
    mac.init(new KeyParameter(macKey));
    Arrays.fill(macKey, (byte) 0);
    mac.update(in, inOff + TAG_LENGTH, length - TAG_LENGTH);
    byte[] tag = new byte[TAG_LENGTH];
    mac.doFinal(tag, 0);
    if (!org.bouncycastle.util.Arrays.constantTimeAreEqual(TAG_LENGTH, tag, 0, in, inOff)) {
      return false;
    }
    cipher.processBytes(in, inOff + TAG_LENGTH, length - TAG_LENGTH, out, outOff);
    return true;
  }

  /**
   * XSalsa20 under {@code key} and {@code nonce}, with its first 32 key stream bytes taken into
   * {@code macKey}.
   */
  private static XSalsa20Engine cipher(byte[] key, byte[] nonce, byte[] macKey) {
    XSalsa20Engine cipher = new XSalsa20Engine();
    cipher.init(true, new ParametersWithIV(new KeyParameter(key), nonce));
    cipher.processBytes(macKey, 0, KEY_LENGTH, macKey, 0);
    return cipher;
  }
}
