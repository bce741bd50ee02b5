package io.callosum.auth.internal;

/**
 * The checks shared by public and secret keys: 32 bytes, or 40 characters of Z85. Messages name the
 * kind of key and quote a public key, never a secret one. Stateless.
 */
public final class KeyFormat {
  /** The length of a Curve25519 key in bytes. */
  public static final int LENGTH = 32;

  /** The length of a Curve25519 key's Z85 text. */
  public static final int Z85_LENGTH = 40;

  private KeyFormat() {}

  /**
   * {@code key}, if it is 32 bytes long.
   *
   * @param kind {@code "public"} or {@code "secret"}
   * @throws IllegalArgumentException otherwise
   */
  public static byte[] checkLength(byte[] key, String kind) {
    if (key.length != LENGTH) {
      throw new IllegalArgumentException(
          "a Curve25519 " + kind + " key is " + LENGTH + " bytes, not " + key.length);
    }
    return key;
  }

  /**
   * The 32 bytes that 40 Z85 characters stand for.
   *
   * @param kind {@code "public"} (the text is quoted in messages) or {@code "secret"} (never
   *     quoted)
   * @throws IllegalArgumentException if {@code text} is not 40 characters of Z85
   */
  public static byte[] decodeZ85(String text, String kind) {
    if (text.length() != Z85_LENGTH) {
      throw new IllegalArgumentException(
          "a Curve25519 "
              + kind
              + " key in Z85 is "
              + Z85_LENGTH
              + " characters, not "
              + text.length());
    }
    try {
      return Z85.decode(text);
    } catch (IllegalArgumentException e) {
      String shown = kind.equals("public") ? " '" + text + "'" : "";
      throw new IllegalArgumentException(
          "the " + kind + " key" + shown + " is not Z85: " + e.getMessage(), e);
    }
  }
}
