package io.callosum.auth.internal;

import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import java.util.Objects;

/** {@link ClientAuthenticator#of}: fixed keys. Immutable. */
public record FixedClientAuthenticator(CurvePublicKey serverPublicKey, CurveKeyPair clientKeyPair)
    implements ClientAuthenticator {
  /** Checks that both keys are present. */
  public FixedClientAuthenticator {
    Objects.requireNonNull(serverPublicKey, "serverPublicKey");
    Objects.requireNonNull(clientKeyPair, "clientKeyPair");
  }

  /** Public keys only. */
  @Override
  public String toString() {
    return "ClientAuthenticator[server="
        + serverPublicKey
        + ", client="
        + clientKeyPair.publicKey()
        + "]";
  }
}
