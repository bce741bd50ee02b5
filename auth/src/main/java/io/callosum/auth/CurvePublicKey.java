package io.callosum.auth;

import io.callosum.auth.internal.KeyFormat;
import io.callosum.auth.internal.Z85;
import java.util.Arrays;

/**
 * A Curve25519 public key: 32 bytes, written as 40 characters of Z85 in ZeroMQ socket options,
 * certificate files and Python Callosum's {@code Credential}. It identifies a client to a server's
 * {@link ServerAuthenticator}, and a server to its clients ({@link
 * ClientAuthenticator#serverPublicKey()}).
 *
 * <p>Immutable and thread-safe; equal when the bytes are equal. {@link #toString()} is the Z85
 * text, safe to log.
 */
public final class CurvePublicKey {
  /** The length of a key in bytes. */
  public static final int LENGTH = KeyFormat.LENGTH;

  /** The length of a key's Z85 text. */
  public static final int Z85_LENGTH = KeyFormat.Z85_LENGTH;

  private final byte[] bytes;
  private final String z85;

  private CurvePublicKey(byte[] bytes) {
    this.bytes = bytes;
    this.z85 = Z85.encode(bytes);
  }

  /**
   * The key with these 32 bytes (copied).
   *
   * @throws IllegalArgumentException if {@code bytes} is not 32 bytes long
   */
  public static CurvePublicKey of(byte[] bytes) {
    return new CurvePublicKey(KeyFormat.checkLength(bytes, "public").clone());
  }

  /**
   * The key written as 40 Z85 characters, as in a ZeroMQ certificate or {@code
   * zmq.curve_keypair()}.
   *
   * @throws IllegalArgumentException if {@code z85} is not 40 characters of Z85
   */
  public static CurvePublicKey fromZ85(String z85) {
    return new CurvePublicKey(KeyFormat.decodeZ85(z85, "public"));
  }

  /** The 32 bytes of the key (a copy). */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The 40 Z85 characters of the key. */
  public String z85() {
    return z85;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CurvePublicKey curvePublicKey && Arrays.equals(bytes, curvePublicKey.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** The Z85 text of the key. */
  @Override
  public String toString() {
    return z85;
  }
}
