package io.callosum.lower.tcp.internal.curve;

import java.util.Arrays;
import org.bouncycastle.crypto.engines.Salsa20Engine;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.bouncycastle.util.Pack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NaCl's {@code crypto_box} (curve25519xsalsa20poly1305), the primitive of CurveZMQ: bouncycastle's
 * X25519 and Salsa20 core for the box key, and a {@link SecretBox} for sealing and opening.
 * Byte-identical to NaCl, libsodium and jnacl, in the compact form without NaCl's zero padding: a
 * box is the 16-byte Poly1305 tag followed by the ciphertext.
 *
 * <ul>
 *   <li>{@link #beforenm}: {@code crypto_box_beforenm}, the box key HSalsa20(X25519(secret,
 *       public), 16 zero bytes);
 *   <li>{@link #seal} / {@link #open}: {@code crypto_secretbox} / {@code crypto_secretbox_open}
 *       (the same as {@code crypto_box_afternm} / {@code crypto_box_open_afternm} with a box key),
 *       by libsodium ({@link SodiumSecretBox}) where it loads, else by bouncycastle's XSalsa20 and
 *       Poly1305 ({@link BouncyCastleSecretBox}); chosen once per process, when this class is first
 *       used, and logged at debug level (info when libsodium does not load).
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

  /**
   * The system property that, set to {@code false}, keeps CurveZMQ's boxes on bouncycastle even
   * where libsodium loads.
   */
  static final String LIBSODIUM_PROPERTY = "callosum.curve.libsodium";

  private static final Logger LOG = LoggerFactory.getLogger(NaclBox.class);

  private static final SecretBox SECRET_BOX =
      chooseSecretBox(System.getProperty(LIBSODIUM_PROPERTY));

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
    SECRET_BOX.seal(key, nonce, in, inOff, length, out, outOff);
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
    return SECRET_BOX.open(key, nonce, in, inOff, length, out, outOff);
  }

  /**
   * {@link #open} writing the first {@code head.length} bytes of the message into {@code head} and
   * the rest at {@code out[at]} ({@link SecretBox}).
   *
   * @return false, with nothing written, if the box is shorter than a tag and {@code head}, or was
   *     not made with this key and nonce
   */
  static boolean open(
      byte[] key, byte[] nonce, byte[] in, int inOff, int length, byte[] head, byte[] out, int at) {
    if (length < TAG_LENGTH) {
      return false;
    }
    return SECRET_BOX.open(key, nonce, in, inOff, length, head, out, at);
  }

  /**
   * {@link #open} writing the first {@code head.length} bytes of the message into {@code head} and
   * handing the rest to {@code reader} ({@link SecretBox.Reader}), which puts it where the head
   * says.
   *
   * @return false, with nothing written and {@code reader} not called, if the box is shorter than a
   *     tag and {@code head}, or was not made with this key and nonce
   */
  static boolean open(
      byte[] key,
      byte[] nonce,
      byte[] in,
      int inOff,
      int length,
      byte[] head,
      SecretBox.Reader reader) {
    if (length < TAG_LENGTH) {
      return false;
    }
    return SECRET_BOX.open(key, nonce, in, inOff, length, head, reader);
  }

  /**
   * The {@link SecretBox} this process seals and opens with: {@code "libsodium"} or {@code
   * "bouncycastle"}.
   */
  static String secretBoxName() {
    return SECRET_BOX.name();
  }

  /**
   * libsodium's box when it loads and gives the same bytes as bouncycastle's on a test box, unless
   * the system property {@value #LIBSODIUM_PROPERTY} is {@code false}; bouncycastle's otherwise.
   */
  static SecretBox chooseSecretBox(String property) {
    if ("false".equalsIgnoreCase(property)) {
      LOG.debug("CurveZMQ boxes: bouncycastle ({}=false)", LIBSODIUM_PROPERTY);
      return BouncyCastleSecretBox.INSTANCE;
    }
    SecretBox sodium;
    try {
      sodium = SodiumSecretBox.load();
    } catch (RuntimeException | LinkageError e) {
      LOG.info("CurveZMQ boxes: bouncycastle, as libsodium did not load here: {}", e.toString());
      return BouncyCastleSecretBox.INSTANCE;
    }
    if (!agree(sodium, BouncyCastleSecretBox.INSTANCE)) {
      LOG.warn("CurveZMQ boxes: bouncycastle, as libsodium's boxes differ from it on a test box");
      return BouncyCastleSecretBox.INSTANCE;
    }
    LOG.debug("CurveZMQ boxes: libsodium");
    return sodium;
  }

  /** Whether two boxes seal a test message to the same bytes and open each other's box. */
  static boolean agree(SecretBox one, SecretBox other) {
    byte[] key = new byte[KEY_LENGTH];
    byte[] nonce = new byte[NONCE_LENGTH];
    byte[] message = new byte[100];
    for (int i = 0; i < message.length; i++) {
      message[i] = (byte) (i * 7 + 3);
    }
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (i + 1);
    }
    nonce[23] = 9;
    byte[] first = new byte[TAG_LENGTH + message.length];
    byte[] second = new byte[TAG_LENGTH + message.length];
    one.seal(key, nonce, message, 0, message.length, first, 0);
    other.seal(key, nonce, message, 0, message.length, second, 0);
    byte[] opened = new byte[message.length];
    return Arrays.equals(first, second)
        && one.open(key, nonce, second, 0, second.length, opened, 0)
        && Arrays.equals(message, opened);
  }
}
