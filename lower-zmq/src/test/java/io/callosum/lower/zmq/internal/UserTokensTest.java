package io.callosum.lower.zmq.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Only a token this context issued for this domain verifies, and only for its own user id. */
class UserTokensTest {
  private final UserTokens tokens = new UserTokens();

  @Test
  void aTokenVerifiesAsItsUser() {
    assertEquals("alice", tokens.verify("d", tokens.issue("d", "alice")));
    assertEquals("", tokens.verify("d", tokens.issue("d", "")));
    assertEquals("a:b", tokens.verify("d", tokens.issue("d", "a:b")));
  }

  @Test
  void anythingElseDoesNot() {
    String alice = tokens.issue("d", "alice");
    assertNull(tokens.verify("d", null), "missing");
    assertNull(tokens.verify("d", ""), "empty");
    assertNull(tokens.verify("d", "admin"), "a bare user id");
    assertNull(
        tokens.verify("d", alice.substring(0, alice.indexOf(':') + 1) + "admin"),
        "alice's MAC with another user");
    assertNull(tokens.verify("d", "!" + alice.substring(1)), "not base64url");
    assertNull(tokens.verify("other", alice), "another domain");
    assertNull(tokens.verify("d", new UserTokens().issue("d", "alice")), "another context's key");
    String split = tokens.issue("a", "bc");
    assertNull(
        tokens.verify("ab", split.substring(0, split.indexOf(':') + 1) + "c"),
        "domain and user kept apart");
  }
}
