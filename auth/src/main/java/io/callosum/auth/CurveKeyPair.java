package io.callosum.auth;

import io.callosum.auth.internal.KeyFormat;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.security.auth.Destroyable;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * A Curve25519 key pair: the identity of a server or a client on an encrypted connection. The same
 * keys as ZeroMQ CURVE ({@code zmq_curve_keypair}, pyzmq's {@code zmq.curve_keypair()}) and NaCl's
 * {@code crypto_box}: the public key is the X25519 product of the secret key and the base point, so
 * a secret key made by any of them gives the same public key here.
 *
 * <p>The secret key never appears in {@link #toString()} and is handed out only as a copy by {@link
 * #secretKey()}. {@link #destroy()} (or {@link #close()}) overwrites it with zeros; after that only
 * the public key remains usable. A key pair is immutable until destroyed and may be shared between
 * threads; destroying it while another thread reads it is the caller's race. Equality is identity:
 * two pairs are never compared by their secrets.
 */
public final class CurveKeyPair implements Destroyable, AutoCloseable {
  /** The length of a secret key in bytes. */
  public static final int SECRET_LENGTH = KeyFormat.LENGTH;

  private final CurvePublicKey publicKey;
  private final byte[] secretKey;
  private volatile boolean destroyed;

  /** Takes ownership of {@code secretKey}. */
  private CurveKeyPair(byte[] secretKey) {
    byte[] pub = new byte[CurvePublicKey.LENGTH];
    X25519.generatePublicKey(secretKey, 0, pub, 0);
    this.publicKey = CurvePublicKey.of(pub);
    this.secretKey = secretKey;
  }

  /** A new key pair from a system {@link SecureRandom}. */
  public static CurveKeyPair generate() {
    return generate(Randomness.INSTANCE);
  }

  /** A new key pair whose secret key comes from {@code random}. */
  public static CurveKeyPair generate(SecureRandom random) {
    Objects.requireNonNull(random, "random");
    byte[] secret = new byte[SECRET_LENGTH];
    X25519.generatePrivateKey(random, secret);
    return new CurveKeyPair(secret);
  }

  /**
   * The key pair of this 32-byte secret key (copied); the public key is derived from it.
   *
   * @throws IllegalArgumentException if {@code secretKey} is not 32 bytes long
   */
  public static CurveKeyPair fromSecretKey(byte[] secretKey) {
    return new CurveKeyPair(KeyFormat.checkLength(secretKey, "secret").clone());
  }

  /**
   * The key pair of a secret key written as 40 Z85 characters (a certificate's {@code secret-key},
   * pyzmq's {@code zmq.curve_keypair()[1]}).
   *
   * @throws IllegalArgumentException if {@code secretKeyZ85} is not 40 characters of Z85; the
   *     message never quotes the key
   */
  public static CurveKeyPair fromSecretKeyZ85(String secretKeyZ85) {
    return new CurveKeyPair(KeyFormat.decodeZ85(secretKeyZ85, "secret"));
  }

  /** The public key; usable after {@link #destroy()}. */
  public CurvePublicKey publicKey() {
    return publicKey;
  }

  /**
   * The 32 bytes of the secret key, as a copy that the caller should overwrite when done.
   *
   * @throws IllegalStateException if the pair was destroyed
   */
  public byte[] secretKey() {
    byte[] copy = secretKey.clone();
    if (destroyed) {
      Arrays.fill(copy, (byte) 0);
      throw new IllegalStateException("the secret key of " + publicKey + " was destroyed");
    }
    return copy;
  }

  /** Overwrites the secret key with zeros. Idempotent. */
  @Override
  public void destroy() {
    destroyed = true;
    Arrays.fill(secretKey, (byte) 0);
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  /** The same as {@link #destroy()}. */
  @Override
  public void close() {
    destroy();
  }

  /** The public key only: {@code CurveKeyPair[public=<Z85>]}. */
  @Override
  public String toString() {
    return "CurveKeyPair[public=" + publicKey + (destroyed ? ", destroyed]" : "]");
  }

  /** Created on first use, so pairs read from files never touch the system's entropy source. */
  private static final class Randomness {
    static final SecureRandom INSTANCE = new SecureRandom();
  }
}
