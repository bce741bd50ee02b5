package io.callosum.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The in-memory allow-list, and the small value types around authentication. */
class AllowListAuthenticatorTest {
  private final CurveKeyPair server = CurveKeyPair.generate();
  private final CurvePublicKey alice = CurveKeyPair.generate().publicKey();
  private final CurvePublicKey bob = CurveKeyPair.generate().publicKey();
  private final CurvePublicKey mallory = CurveKeyPair.generate().publicKey();

  @Test
  void acceptsAllowedKeysAsTheirUserIds() {
    AllowListAuthenticator auth =
        new AllowListAuthenticator("api", server).allow(alice, "alice").allow(bob);
    assertEquals("api", auth.domain());
    assertSame(server, auth.serverKeyPair());
    assertEquals(AuthResult.accept("alice"), auth.checkClient(new Credential("api", alice)));
    assertEquals(
        AuthResult.accept(bob.z85()),
        auth.checkClient(new Credential("api", bob)),
        "default user id: the Z85 key");
    assertEquals(AuthResult.reject(), auth.checkClient(new Credential("api", mallory)));
    assertEquals(Map.of(alice, "alice", bob, bob.z85()), auth.allowed());
  }

  @Test
  void rejectsAnotherDomain() {
    AllowListAuthenticator auth = new AllowListAuthenticator("api", server).allow(alice, "alice");
    assertEquals(AuthResult.reject(), auth.checkClient(new Credential("admin", alice)));
    assertEquals(AuthResult.reject(), auth.checkClient(new Credential("", alice)));
  }

  @Test
  void revokeAndReallow() {
    AllowListAuthenticator auth = new AllowListAuthenticator("", server).allow(alice, "alice");
    assertTrue(auth.revoke(alice));
    assertFalse(auth.revoke(alice));
    assertFalse(auth.checkClient(new Credential("", alice)).success());
    auth.allow(alice, "alice-2");
    assertEquals(AuthResult.accept("alice-2"), auth.checkClient(new Credential("", alice)));
    assertEquals(
        "AllowListAuthenticator[domain=, server=" + server.publicKey() + ", 1 keys]",
        auth.toString());
  }

  @Test
  void authResultAndCredentialChecks() {
    assertEquals(new AuthResult(true, "u"), AuthResult.accept("u"));
    assertEquals(new AuthResult(false, ""), AuthResult.reject());
    assertThrows(IllegalArgumentException.class, () -> new AuthResult(false, "someone"));
    assertThrows(NullPointerException.class, () -> AuthResult.accept(null));
    assertThrows(NullPointerException.class, () -> new Credential(null, alice));
    assertThrows(NullPointerException.class, () -> new Credential("d", null));
    assertThrows(
        NullPointerException.class,
        () -> new AllowListAuthenticator("d", server).allow(alice, null));
  }

  @Test
  void clientAuthenticatorOfFixedKeys() {
    CurveKeyPair client = CurveKeyPair.generate();
    ClientAuthenticator auth = ClientAuthenticator.of(server.publicKey(), client);
    assertEquals(server.publicKey(), auth.serverPublicKey());
    assertSame(client, auth.clientKeyPair());
    assertEquals(
        "ClientAuthenticator[server=" + server.publicKey() + ", client=" + client.publicKey() + "]",
        auth.toString());
    assertThrows(NullPointerException.class, () -> ClientAuthenticator.of(null, client));
  }
}
