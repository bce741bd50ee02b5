package io.callosum.lower.tcp.internal.curve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.neilalexander.jnacl.crypto.curve25519;
import com.neilalexander.jnacl.crypto.curve25519xsalsa20poly1305;
import java.util.Arrays;

/**
 * jnacl (jeromq's CURVE crypto, an independent port of NaCl) in the compact box form of {@link
 * NaclBox}: the reference our boxes are checked against. jnacl keeps NaCl's padded interface (32
 * zero bytes before a message, 16 before a box); these wrappers add and strip them.
 */
final class Jnacl {
  private Jnacl() {}

  /** crypto_box: tag and ciphertext of {@code message}. */
  static byte[] box(byte[] message, byte[] nonce, byte[] publicKey, byte[] secretKey) {
    byte[] padded = new byte[32 + message.length];
    System.arraycopy(message, 0, padded, 32, message.length);
    byte[] out = new byte[padded.length];
    assertEquals(
        0,
        curve25519xsalsa20poly1305.crypto_box(
            out, padded, padded.length, nonce, publicKey, secretKey));
    return Arrays.copyOfRange(out, 16, out.length);
  }

  /** crypto_box_open: the message, or null if the box does not open. */
  static byte[] open(byte[] box, byte[] nonce, byte[] publicKey, byte[] secretKey) {
    byte[] padded = new byte[16 + box.length];
    System.arraycopy(box, 0, padded, 16, box.length);
    byte[] out = new byte[padded.length];
    if (curve25519xsalsa20poly1305.crypto_box_open(
            out, padded, padded.length, nonce, publicKey, secretKey)
        != 0) {
      return null;
    }
    return Arrays.copyOfRange(out, 32, out.length);
  }

  /** crypto_box_afternm with a box key. */
  static byte[] boxAfternm(byte[] message, byte[] nonce, byte[] key) {
    byte[] padded = new byte[32 + message.length];
    System.arraycopy(message, 0, padded, 32, message.length);
    byte[] out = new byte[padded.length];
    assertEquals(
        0, curve25519xsalsa20poly1305.crypto_box_afternm(out, padded, padded.length, nonce, key));
    return Arrays.copyOfRange(out, 16, out.length);
  }

  /** crypto_box_open_afternm: the message, or null. */
  static byte[] openAfternm(byte[] box, byte[] nonce, byte[] key) {
    byte[] padded = new byte[16 + box.length];
    System.arraycopy(box, 0, padded, 16, box.length);
    byte[] out = new byte[padded.length];
    if (curve25519xsalsa20poly1305.crypto_box_open_afternm(out, padded, padded.length, nonce, key)
        != 0) {
      return null;
    }
    return Arrays.copyOfRange(out, 32, out.length);
  }

  /** crypto_box_beforenm. */
  static byte[] beforenm(byte[] publicKey, byte[] secretKey) {
    byte[] key = new byte[32];
    assertEquals(0, curve25519xsalsa20poly1305.crypto_box_beforenm(key, publicKey, secretKey));
    return key;
  }

  /** crypto_scalarmult_base: the public key of {@code secretKey}. */
  static byte[] publicKey(byte[] secretKey) {
    byte[] pub = new byte[32];
    curve25519.crypto_scalarmult_base(pub, secretKey);
    return pub;
  }
}
