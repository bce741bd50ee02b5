package io.callosum.gateway.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.auth.CurveKeyPair;
import io.callosum.gateway.GatewayConfig;
import io.callosum.lower.tcp.internal.Wire;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Names, grants and keys of one gateway, without sockets. */
class RegistryTest {
  private static byte[] register(int token, String name) {
    return Wire.channelFrame(Wire.REGISTER, token, Wire.utf8(name));
  }

  private final Registry plain = new Registry(GatewayConfig.builder("A").grant("B", "s*").build());

  @Test
  void aLaterRegistrationTakesANameOverAndTheEarlierHolderCannotFreeIt() {
    LocalPeer first = new LocalPeer(new FakeConnection());
    LocalPeer second = new LocalPeer(new FakeConnection());
    assertNull(plain.register(first, 1, register(1, "agent"), 10));
    assertSame(first, plain.lookup("agent"));
    assertNull(plain.register(second, 7, register(7, "agent"), 10));
    assertSame(second, plain.lookup("agent"), "the restarted peer gets its name back at once");
    plain.unregister(first, 1);
    plain.forget(first);
    assertSame(second, plain.lookup("agent"), "the earlier holder frees nothing");
    plain.forget(second);
    assertNull(plain.lookup("agent"));
    assertEquals(List.of(), plain.names());
  }

  @Test
  void aTokenRegisteredAgainUnderAnotherNameFreesTheOldOne() {
    LocalPeer p = new LocalPeer(new FakeConnection());
    assertNull(plain.register(p, 1, register(1, "one"), 10));
    assertNull(plain.register(p, 1, register(1, "two"), 10));
    assertEquals(List.of("two"), plain.names());
    plain.unregister(p, 1);
    assertEquals(List.of(), plain.names());
  }

  @Test
  void badNamesAndTooManyNamesAreRefusedWithTheReason() {
    LocalPeer p = new LocalPeer(new FakeConnection());
    assertEquals(
        "a name is 1..64 of A-Z a-z 0-9 . _ - (got \"a b\")",
        plain.register(p, 1, register(1, "a b"), 10));
    assertEquals(
        "a name is 1..64 of A-Z a-z 0-9 . _ - (got \"\")",
        plain.register(p, 1, register(1, ""), 10));
    byte[] control = Wire.channelFrame(Wire.REGISTER, 1, new byte[] {'a', 7});
    assertEquals(
        "a name is 1..64 of A-Z a-z 0-9 . _ - (got 2 bytes that are not such text)",
        plain.register(p, 1, control, 10));
    byte[] huge = Wire.channelFrame(Wire.REGISTER, 1, new byte[Wire.MAX_NAME + 1]);
    assertEquals(
        "a name is 1..64 of A-Z a-z 0-9 . _ - (got 256 bytes that are not such text)",
        plain.register(p, 1, huge, 10));
    assertNull(plain.register(p, 1, register(1, "n1"), 2));
    assertNull(plain.register(p, 2, register(2, "n2"), 2));
    assertEquals("at most 2 names per connection", plain.register(p, 3, register(3, "n3"), 2));
    assertNull(
        plain.register(p, 2, register(2, "n2b"), 2),
        "a token already held may register another name");
  }

  @Test
  void withLocalPeerKeysEachKeyRegistersOnlyItsNames() {
    CurveKeyPair gateway = CurveKeyPair.generate();
    CurveKeyPair agent = CurveKeyPair.generate();
    Registry keyed =
        new Registry(
            GatewayConfig.builder("A")
                .keyPair(gateway)
                .localPeer(agent.publicKey(), "agent-*")
                .build());
    assertTrue(keyed.peerAuthenticator() != null, "local peers connect with CURVE");
    LocalPeer p = new LocalPeer(new FakeConnection(agent.publicKey().z85()));
    assertNull(keyed.register(p, 1, register(1, "agent-1"), 10));
    assertEquals(
        "the key of this peer may not register manager at cluster A",
        keyed.register(p, 2, register(2, "manager"), 10));
    assertNull(plain.peerAuthenticator(), "without localPeers, local peers connect in plain");
  }

  @Test
  void grantsAndKnownClustersComeFromTheConfiguration() {
    CurveKeyPair keys = CurveKeyPair.generate();
    Registry r =
        new Registry(
            GatewayConfig.builder("A")
                .keyPair(keys)
                .grant("B", "s*")
                .grantForward("B", "127.0.0.1:5432")
                .link("C", URI.create("tcp://127.0.0.1:1"), CurveKeyPair.generate().publicKey())
                .allowGateway("B", CurveKeyPair.generate().publicKey())
                .build());
    assertTrue(r.grant("B").allows("s1"));
    assertFalse(r.grant("B").allows("t1"));
    assertTrue(r.grant("B").forwardTargets().contains("127.0.0.1:5432"));
    assertNull(r.grant("C"), "no grant: nothing");
    assertTrue(r.knows("B"));
    assertTrue(r.knows("C"));
    assertFalse(r.knows("D"));
  }
}
