package io.callosum.auth;

import java.util.Objects;

/**
 * What a client presented when it connected: the ZAP domain of the server endpoint it reached and
 * its Curve25519 public key. The handshake has already proved that the client holds the matching
 * secret key; {@link ServerAuthenticator#checkClient} decides whether that key may come in. The
 * same as Python Callosum's {@code Credential(domain, public_key)}.
 *
 * @param domain the server endpoint's domain ({@link ServerAuthenticator#domain()}); may be empty
 * @param publicKey the client's public key
 */
public record Credential(String domain, CurvePublicKey publicKey) {
  /** Checks that both parts are present. */
  public Credential {
    Objects.requireNonNull(domain, "domain");
    Objects.requireNonNull(publicKey, "publicKey");
  }
}
