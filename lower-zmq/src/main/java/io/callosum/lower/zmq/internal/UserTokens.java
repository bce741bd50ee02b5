package io.callosum.lower.zmq.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The user ids that the ZAP handler of one context vouches for. jeromq 0.6.0 lets a client's
 * INITIATE metadata override the properties of the ZAP reply, so a client could name its own {@code
 * User-Id}; the ZAP handler therefore answers with a token, {@code base64url(HMAC-SHA256(key,
 * len(domain) || domain || userId)) ":" userId}, under a random key that never leaves this object,
 * and a ROUTER accepts only a {@code User-Id} that verifies for its own domain. The tokens are
 * stateless, so memory does not grow with the number of connections. Thread-safe.
 */
final class UserTokens {
  private static final String ALGORITHM = "HmacSHA256";
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  /** Characters of an encoded HMAC-SHA256. */
  private static final int MAC_CHARS = 43;

  private final SecretKeySpec key;

  UserTokens() {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    key = new SecretKeySpec(secret, ALGORITHM);
  }

  /** The token for {@code userId}, accepted in {@code domain}. */
  String issue(String domain, String userId) {
    return ENCODER.encodeToString(mac(domain, userId)) + ":" + userId;
  }

  /**
   * The user id {@code token} vouches for in {@code domain}, or null if it is not a token of this
   * key and domain.
   */
  String verify(String domain, String token) {
    if (token == null || token.length() <= MAC_CHARS || token.charAt(MAC_CHARS) != ':') {
      return null;
    }
    byte[] presented;
    try {
      presented = DECODER.decode(token.substring(0, MAC_CHARS));
    } catch (IllegalArgumentException e) {
      return null;
    }
    String userId = token.substring(MAC_CHARS + 1);
    return MessageDigest.isEqual(presented, mac(domain, userId)) ? userId : null;
  }

  private byte[] mac(String domain, String userId) {
    byte[] d = domain.getBytes(StandardCharsets.UTF_8);
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      // The length prefix keeps (domain, user) pairs apart whatever bytes they contain.
      mac.update(ByteBuffer.allocate(4).putInt(d.length).array());
      mac.update(d);
      return mac.doFinal(userId.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
    }
  }
}
