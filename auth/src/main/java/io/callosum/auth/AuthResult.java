package io.callosum.auth;

import java.util.Objects;

/**
 * The answer of {@link ServerAuthenticator#checkClient}: whether the client may connect, and the
 * user id that the connection then carries (the ZAP {@code User-Id}, which a handler sees as the
 * caller's identity). The same as Python Callosum's {@code AuthResult(success, user_id)}.
 *
 * @param success whether the client is let in
 * @param userId who the client is when accepted; empty when rejected (as in the ZAP reply)
 */
public record AuthResult(boolean success, String userId) {
  private static final AuthResult REJECTED = new AuthResult(false, "");

  /** Checks that a rejection carries no user id. */
  public AuthResult {
    Objects.requireNonNull(userId, "userId");
    if (!success && !userId.isEmpty()) {
      throw new IllegalArgumentException("a rejection carries no user id");
    }
  }

  /** The client may connect, as {@code userId}. */
  public static AuthResult accept(String userId) {
    return new AuthResult(true, userId);
  }

  /** The client may not connect. */
  public static AuthResult reject() {
    return REJECTED;
  }
}
