package io.callosum.auth;

import io.callosum.auth.internal.ClientKeyCheck;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ServerAuthenticator} that lets in the clients whose public keys it holds in memory, each
 * as its user id, and rejects every other key (and every other domain). Keys may be allowed and
 * revoked while connections come in.
 *
 * <pre>{@code
 * ServerAuthenticator auth = new AllowListAuthenticator("api", serverKeys)
 *     .allow(aliceKey, "alice")
 *     .allow(bobKey);            // user id: bob's Z85 public key
 * }</pre>
 *
 * <p><b>Threads.</b> All methods are thread-safe. {@link #checkClient} runs on the lower's
 * authentication thread and only looks a key up; it logs the outcome (accepted at DEBUG, rejected
 * at INFO) with the client's public key.
 */
public final class AllowListAuthenticator implements ServerAuthenticator {
  private static final Logger LOG = LoggerFactory.getLogger(AllowListAuthenticator.class);

  private final String domain;
  private final CurveKeyPair serverKeyPair;
  private final Map<CurvePublicKey, String> allowed = new ConcurrentHashMap<>();

  /** An authenticator for the endpoint {@code domain} with this key pair, allowing no key yet. */
  public AllowListAuthenticator(String domain, CurveKeyPair serverKeyPair) {
    this.domain = Objects.requireNonNull(domain, "domain");
    this.serverKeyPair = Objects.requireNonNull(serverKeyPair, "serverKeyPair");
  }

  /** Lets {@code clientKey} in, as the user named by its Z85 text. Returns this authenticator. */
  public AllowListAuthenticator allow(CurvePublicKey clientKey) {
    return allow(clientKey, clientKey.z85());
  }

  /**
   * Lets {@code clientKey} in as {@code userId} (replacing an earlier user id). Returns this
   * authenticator.
   */
  public AllowListAuthenticator allow(CurvePublicKey clientKey, String userId) {
    allowed.put(
        Objects.requireNonNull(clientKey, "clientKey"), Objects.requireNonNull(userId, "userId"));
    return this;
  }

  /**
   * Stops letting {@code clientKey} in; connections it already made stay. Returns whether it was
   * allowed.
   */
  public boolean revoke(CurvePublicKey clientKey) {
    return allowed.remove(clientKey) != null;
  }

  /** The allowed keys and their user ids, as of now (a copy). */
  public Map<CurvePublicKey, String> allowed() {
    return Map.copyOf(allowed);
  }

  @Override
  public String domain() {
    return domain;
  }

  @Override
  public CurveKeyPair serverKeyPair() {
    return serverKeyPair;
  }

  @Override
  public AuthResult checkClient(Credential credential) {
    return ClientKeyCheck.decide(domain, credential, allowed.get(credential.publicKey()), LOG);
  }

  /** The domain, the server's public key and the number of allowed keys. */
  @Override
  public String toString() {
    return "AllowListAuthenticator[domain="
        + domain
        + ", server="
        + serverKeyPair.publicKey()
        + ", "
        + allowed.size()
        + " keys]";
  }
}
