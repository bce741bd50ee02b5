package io.callosum.lower.redis.internal;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Random names: peer ids (part of a reply stream's key) and default consumer names. */
final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  /** 16 hex digits. */
  static String peer() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** {@code callosum-} and 16 hex digits. */
  static String consumer() {
    return "callosum-" + peer();
  }
}
