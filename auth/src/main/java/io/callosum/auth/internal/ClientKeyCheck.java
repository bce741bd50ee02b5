package io.callosum.auth.internal;

import io.callosum.auth.AuthResult;
import io.callosum.auth.Credential;
import org.slf4j.Logger;

/** The decision and the log line shared by the ready-made server authenticators. Stateless. */
public final class ClientKeyCheck {
  private ClientKeyCheck() {}

  /**
   * Accepts {@code credential} as {@code userId} if its domain is {@code domain} and {@code userId}
   * is not null (the key is allowed); logs the outcome with the client's public key.
   */
  public static AuthResult decide(String domain, Credential credential, String userId, Logger log) {
    if (!domain.equals(credential.domain())) {
      log.info(
          "rejected client key {}: domain '{}' is not '{}'",
          credential.publicKey(),
          credential.domain(),
          domain);
      return AuthResult.reject();
    }
    if (userId == null) {
      log.info(
          "rejected client key {} in domain '{}': not allowed", credential.publicKey(), domain);
      return AuthResult.reject();
    }
    log.debug(
        "accepted client key {} in domain '{}' as user '{}'",
        credential.publicKey(),
        domain,
        userId);
    return AuthResult.accept(userId);
  }
}
