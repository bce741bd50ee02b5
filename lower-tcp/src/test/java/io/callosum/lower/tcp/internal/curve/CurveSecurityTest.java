package io.callosum.lower.tcp.internal.curve;

import static io.callosum.lower.tcp.internal.SecurityFailure.Kind.AUTHENTICATION;
import static io.callosum.lower.tcp.internal.SecurityFailure.Kind.PROTOCOL;
import static io.callosum.lower.tcp.internal.curve.Fixtures.bytes;
import static io.callosum.lower.tcp.internal.curve.Fixtures.only;
import static io.callosum.lower.tcp.internal.curve.Fixtures.refuses;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.auth.AuthResult;
import io.callosum.auth.Credential;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import io.callosum.lower.tcp.internal.ConnectionSecurity;
import io.callosum.lower.tcp.internal.SecurityFailure;
import io.callosum.lower.tcp.internal.curve.Fixtures.Pair;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.bouncycastle.util.Pack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The CurveZMQ handshake and MESSAGE boxes between two {@link CurveSecurity} objects in memory. */
class CurveSecurityTest {

  @Test
  void handshakeThenMessagesBothWays() throws SecurityFailure {
    Pair p = new Pair(1);
    assertEquals("CURVE", p.client.mechanism());
    assertFalse(p.client.established());
    assertFalse(p.server.established());
    byte[] hello = only(p.client.start());
    assertEquals(200, hello.length);
    byte[] welcome = only(p.server.receive(hello));
    assertEquals(168, welcome.length);
    assertFalse(p.server.established());
    byte[] initiate = only(p.client.receive(welcome));
    assertEquals(257, initiate.length, "no metadata");
    assertNull(p.server.userId(), "no user before READY");
    byte[] ready = only(p.server.receive(initiate));
    assertEquals(30, ready.length);
    assertTrue(p.server.established());
    assertFalse(p.client.established(), "the client waits for READY");
    assertEquals(List.of(), p.client.receive(ready));
    assertTrue(p.client.established());

    assertEquals("alice", p.server.userId());
    assertEquals(p.clientKeys.publicKey(), p.server.clientKey());
    assertNull(p.client.userId(), "a client has no user id");

    for (int length : new int[] {0, 1, 31, 32, 33, 1000, 65536}) {
      byte[] up = bytes(length, length);
      byte[] down = bytes(length + 1, length);
      byte[] sealedUp = p.client.seal(up);
      assertEquals(33 + length, sealedUp.length);
      assertArrayEquals(up, p.server.open(sealedUp));
      assertArrayEquals(down, p.client.open(p.server.seal(down)));
    }
  }

  @Test
  void commandsHaveTheirZmtpNamesAndNoncesCountUpPerDirection() throws SecurityFailure {
    Pair p = new Pair(2);
    byte[] hello = only(p.client.start());
    assertTrue(Command.is(hello, Command.HELLO));
    assertEquals(1, hello[6], "major version");
    assertEquals(0, hello[7], "minor version");
    assertArrayEquals(new byte[72], Arrays.copyOfRange(hello, 8, 80), "anti-amplification padding");
    assertEquals(1, Pack.bigEndianToLong(hello, 112));
    byte[] welcome = only(p.server.receive(hello));
    assertTrue(Command.is(welcome, Command.WELCOME));
    byte[] initiate = only(p.client.receive(welcome));
    assertTrue(Command.is(initiate, Command.INITIATE));
    assertEquals(2, Pack.bigEndianToLong(initiate, 105));
    byte[] ready = only(p.server.receive(initiate));
    assertTrue(Command.is(ready, Command.READY));
    assertEquals(1, Pack.bigEndianToLong(ready, 6));
    p.client.receive(ready);
    byte[] up = p.client.seal(new byte[0]);
    assertTrue(Command.is(up, Command.MESSAGE));
    assertEquals(3, Pack.bigEndianToLong(up, 8));
    assertEquals(4, Pack.bigEndianToLong(p.client.seal(new byte[0]), 8));
    assertEquals(2, Pack.bigEndianToLong(p.server.seal(new byte[0]), 8));
  }

  @Test
  void metadataTravelsSealedBothWays() throws SecurityFailure {
    Map<String, byte[]> fromClient = new LinkedHashMap<>();
    fromClient.put("Socket-Type", "DEALER".getBytes(StandardCharsets.US_ASCII));
    fromClient.put("X-Callosum.caps+1", new byte[] {1, 2, 3});
    fromClient.put("Empty", new byte[0]);
    Map<String, byte[]> fromServer = Map.of("Preamble", bytes(9, 300));
    Pair p = new Pair(3, fromClient, fromServer).established();
    assertEquals(
        List.of("Socket-Type", "X-Callosum.caps+1", "Empty"),
        List.copyOf(p.server.remoteMetadata().keySet()));
    assertArrayEquals(
        "DEALER".getBytes(StandardCharsets.US_ASCII), p.server.remoteMetadata().get("Socket-Type"));
    assertArrayEquals(new byte[] {1, 2, 3}, p.server.remoteMetadata().get("X-Callosum.caps+1"));
    assertArrayEquals(new byte[0], p.server.remoteMetadata().get("Empty"));
    assertArrayEquals(bytes(9, 300), p.client.remoteMetadata().get("Preamble"));
  }

  @Test
  void badLocalMetadataIsRefusedAtConstruction() {
    CurveKeyPair keys = Fixtures.keyPair(4);
    var auth = Fixtures.client(keys.publicKey(), keys);
    assertThrows(
        IllegalArgumentException.class,
        () -> CurveSecurity.client(auth, Map.of("no spaces", new byte[0])));
    assertThrows(
        IllegalArgumentException.class, () -> CurveSecurity.client(auth, Map.of("", new byte[0])));
    Map<String, byte[]> twice = new LinkedHashMap<>();
    twice.put("Name", new byte[0]);
    twice.put("NAME", new byte[0]);
    assertThrows(IllegalArgumentException.class, () -> CurveSecurity.client(auth, twice));
    assertThrows(
        IllegalArgumentException.class,
        () -> CurveSecurity.client(auth, Map.of("Big", new byte[Metadata.MAX_LENGTH])));
  }

  @Test
  void sameSeedsSameBytes() throws SecurityFailure {
    Pair a = new Pair(5);
    Pair b = new Pair(5);
    byte[] helloA = only(a.client.start());
    assertArrayEquals(helloA, only(b.client.start()));
    assertArrayEquals(only(a.server.receive(helloA)), only(b.server.receive(helloA)));
  }

  @Test
  void theServersAuthenticatorSeesDomainAndClientKey() throws SecurityFailure {
    CurveKeyPair serverKeys = Fixtures.keyPair(6);
    CurveKeyPair clientKeys = Fixtures.keyPair(7);
    AtomicReference<Credential> seen = new AtomicReference<>();
    CurveSecurity server =
        Fixtures.serverSide(
            Fixtures.server(
                serverKeys,
                c -> {
                  seen.set(c);
                  return AuthResult.accept("user-" + c.publicKey().z85().substring(0, 5));
                }),
            8);
    CurveSecurity client =
        Fixtures.clientSide(Fixtures.client(serverKeys.publicKey(), clientKeys), 9);
    Fixtures.handshake(client, server);
    assertEquals("test", seen.get().domain());
    assertEquals(clientKeys.publicKey(), seen.get().publicKey());
    assertEquals("user-" + clientKeys.publicKey().z85().substring(0, 5), server.userId());
  }

  @Test
  void oneSealingAndOneOpeningThreadMayWorkAtOnce() throws Exception {
    Pair p = new Pair(67).established();
    int count = 2000;
    List<byte[]> fromServer = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      fromServer.add(p.server.seal(bytes(i, 40)));
    }
    ExecutorService opener = Executors.newSingleThreadExecutor();
    try {
      Future<?> opened =
          opener.submit(
              () -> {
                for (int i = 0; i < count; i++) {
                  assertArrayEquals(bytes(i, 40), p.client.open(fromServer.get(i)));
                }
                return null;
              });
      for (int i = 0; i < count; i++) {
        assertArrayEquals(bytes(-i, 40), p.server.open(p.client.seal(bytes(-i, 40))));
      }
      opened.get(10, TimeUnit.SECONDS);
    } finally {
      opener.shutdownNow();
    }
  }

  // ---- authentication refusals ----

  @Test
  void anUnknownClientKeyIsRefusedAndTheClientLearnsWhy() throws SecurityFailure {
    CurveKeyPair serverKeys = Fixtures.keyPair(10);
    CurveKeyPair stranger = Fixtures.keyPair(11);
    CurveSecurity server =
        Fixtures.serverSide(Fixtures.allowing(serverKeys, Fixtures.keyPair(12).publicKey()), 13);
    CurveSecurity client =
        Fixtures.clientSide(Fixtures.client(serverKeys.publicKey(), stranger), 14);
    byte[] initiate = only(client.receive(only(server.receive(only(client.start())))));
    SecurityFailure refused = refuses(AUTHENTICATION, () -> server.receive(initiate));
    assertEquals(
        ServerHandshake.CLIENT_KEY_REFUSED,
        refused.getMessage(),
        "names no key: it goes out in the clear");
    assertFalse(server.established());
    assertNull(server.userId());

    // The failure carries the ERROR command the transport sends before it closes: the only failure
    // a client is told.
    assertArrayEquals(ErrorCommand.encode(ServerHandshake.CLIENT_KEY_REFUSED), refused.reply());
    SecurityFailure learned = refuses(AUTHENTICATION, () -> client.receive(refused.reply()));
    assertEquals(
        "authentication rejected by the server: " + refused.getMessage(), learned.getMessage());
    assertFalse(client.established());
  }

  @Test
  void anAuthenticatorThatThrowsRefusesWithoutQuotingItself() throws SecurityFailure {
    CurveKeyPair serverKeys = Fixtures.keyPair(15);
    IllegalStateException boom = new IllegalStateException("database password is hunter2");
    CurveSecurity server =
        Fixtures.serverSide(
            Fixtures.server(
                serverKeys,
                c -> {
                  throw boom;
                }),
            16);
    CurveSecurity client =
        Fixtures.clientSide(Fixtures.client(serverKeys.publicKey(), Fixtures.keyPair(17)), 18);
    byte[] initiate = only(client.receive(only(server.receive(only(client.start())))));
    SecurityFailure refused = refuses(AUTHENTICATION, () -> server.receive(initiate));
    assertSame(boom, refused.getCause());
    assertFalse(refused.getMessage().contains("hunter2"), refused.getMessage());
  }

  @Test
  void aClientExpectingAnotherServerKeyIsRefusedAtHelloWithoutAWordAndExplainsTheClose()
      throws SecurityFailure {
    CurveKeyPair serverKeys = Fixtures.keyPair(20);
    CurveKeyPair expected = Fixtures.keyPair(21);
    CurveKeyPair clientKeys = Fixtures.keyPair(22);
    CurveSecurity server =
        Fixtures.serverSide(Fixtures.allowing(serverKeys, clientKeys.publicKey()), 23);
    CurveSecurity client =
        Fixtures.clientSide(Fixtures.client(expected.publicKey(), clientKeys), 24);
    byte[] hello = only(client.start());
    SecurityFailure refused = refuses(AUTHENTICATION, () -> server.receive(hello));
    assertEquals(
        ServerHandshake.WRONG_SERVER_KEY,
        refused.getMessage(),
        "does not give the server's key away");
    assertNull(refused.reply(), "RFC 26: only the authenticator's refusal gets an ERROR");
    assertTrue(
        client
            .closedInHandshake()
            .endsWith(
                "it does not hold the secret key of "
                    + expected.publicKey()
                    + ", the server key this client expects"),
        client.closedInHandshake());
    // A server that does send an ERROR at HELLO time (another implementation) is reported with the
    // expected key.
    SecurityFailure learned =
        refuses(AUTHENTICATION, () -> client.receive(ErrorCommand.encode("no")));
    assertEquals(
        "authentication rejected by the server: no (this client expects server key "
            + expected.publicKey()
            + ")",
        learned.getMessage());
    assertNull(
        client.closedInHandshake(), "after the handshake failed, a close tells nothing more");
  }

  @Test
  void theServerScreensCommandsBeforeAnyKeyAgreement() throws SecurityFailure {
    CurveKeyPair serverKeys = Fixtures.keyPair(60);
    CurveKeyPair clientKeys = Fixtures.keyPair(61);
    byte[] hello =
        only(Fixtures.clientSide(Fixtures.client(serverKeys.publicKey(), clientKeys), 62).start());
    byte[] version2 = hello.clone();
    version2[6] = 2;
    for (byte[] bad :
        List.of(version2, Arrays.copyOf(hello, 199), Arrays.copyOf(hello, 201), new byte[200])) {
      CurveSecurity server =
          Fixtures.serverSide(Fixtures.allowing(serverKeys, clientKeys.publicKey()), 63);
      refuses(PROTOCOL, () -> server.screen(bad));
    }
    CurveSecurity server =
        Fixtures.serverSide(Fixtures.allowing(serverKeys, clientKeys.publicKey()), 64);
    server.screen(hello);
    refuses(PROTOCOL, () -> server.screen(hello)); // a second HELLO
    CurveSecurity other =
        Fixtures.serverSide(Fixtures.allowing(serverKeys, clientKeys.publicKey()), 65);
    other.screen(hello);
    byte[] initiate = Command.frame(Command.INITIATE, Command.INITIATE_MIN);
    other.screen(initiate);
    refuses(PROTOCOL, () -> other.screen(initiate)); // no third command
    CurveSecurity shortInitiate =
        Fixtures.serverSide(Fixtures.allowing(serverKeys, clientKeys.publicKey()), 66);
    shortInitiate.screen(hello);
    refuses(
        PROTOCOL,
        () -> shortInitiate.screen(Command.frame(Command.INITIATE, Command.INITIATE_MIN - 1)));
  }

  @Test
  void aServerStepLeavesTheAdmissionDecisionToTheTransport() throws SecurityFailure {
    CurveKeyPair serverKeys = Fixtures.keyPair(70);
    CurveKeyPair clientKeys = Fixtures.keyPair(71);
    AtomicInteger asked = new AtomicInteger();
    CurveSecurity server =
        Fixtures.serverSide(
            Fixtures.server(
                serverKeys,
                c -> {
                  asked.incrementAndGet();
                  return AuthResult.accept("u");
                }),
            72);
    CurveSecurity client =
        Fixtures.clientSide(Fixtures.client(serverKeys.publicKey(), clientKeys), 73);
    byte[] initiate =
        only(client.receive(only(server.handshakeStep(only(client.start())).replies())));
    ConnectionSecurity.Step step = server.handshakeStep(initiate);
    assertEquals(List.of(), step.replies());
    assertEquals(0, asked.get(), "the authenticator is not called by the step");
    assertFalse(server.established());
    refuses(
        PROTOCOL,
        () -> server.handshakeStep(initiate)); // nothing more while the decision is pending
    CurveSecurity again =
        Fixtures.serverSide(Fixtures.server(serverKeys, c -> AuthResult.accept("u")), 74);
    CurveSecurity client2 =
        Fixtures.clientSide(Fixtures.client(serverKeys.publicKey(), clientKeys), 75);
    ConnectionSecurity.Step pending =
        again.handshakeStep(
            only(client2.receive(only(again.handshakeStep(only(client2.start())).replies()))));
    pending.decision().ask();
    byte[] ready = only(pending.decision().finish());
    assertEquals(List.of(), client2.receive(ready));
    assertTrue(again.established() && client2.established());
    assertEquals("u", again.userId());

    // A connection that ended while its client was checked: the decision finds nothing to finish.
    CurveSecurity ended =
        Fixtures.serverSide(Fixtures.server(serverKeys, c -> AuthResult.accept("u")), 76);
    CurveSecurity client3 =
        Fixtures.clientSide(Fixtures.client(serverKeys.publicKey(), clientKeys), 77);
    ConnectionSecurity.Step late =
        ended.handshakeStep(
            only(client3.receive(only(ended.handshakeStep(only(client3.start())).replies()))));
    late.decision().ask();
    ended.destroy();
    refuses(PROTOCOL, () -> late.decision().finish());
  }

  @Test
  void aWelcomeFromAnImpostorIsRefused() throws SecurityFailure {
    // An impostor holding another key answers HELLO without being able to open it.
    CurveKeyPair real = Fixtures.keyPair(25);
    CurveKeyPair impostor = Fixtures.keyPair(26);
    CurveSecurity client =
        Fixtures.clientSide(Fixtures.client(real.publicKey(), Fixtures.keyPair(27)), 28);
    byte[] hello = only(client.start());
    byte[] clientShort = Arrays.copyOfRange(hello, 80, 112);
    byte[] welcome = Command.frame(Command.WELCOME, 168);
    byte[] nonce = Command.fullNonce(Command.WELCOME_NONCE, bytes(29, 16), 0);
    System.arraycopy(nonce, 8, welcome, 8, 16);
    System.arraycopy(
        Jnacl.box(bytes(30, 128), nonce, clientShort, impostor.secretKey()), 0, welcome, 24, 144);
    SecurityFailure f = refuses(AUTHENTICATION, () -> client.receive(welcome));
    assertEquals("the server does not hold the secret key of " + real.publicKey(), f.getMessage());
  }

  @Test
  void anyClientKeyIsJudgedOnlyAfterItIsProved() throws SecurityFailure {
    // The authenticator is never asked about a client that failed earlier.
    CurveKeyPair serverKeys = Fixtures.keyPair(31);
    AtomicReference<Object> asked = new AtomicReference<>();
    CurveSecurity server =
        Fixtures.serverSide(
            Fixtures.server(
                serverKeys,
                c -> {
                  asked.set(c);
                  return AuthResult.accept("x");
                }),
            32);
    refuses(PROTOCOL, () -> server.receive(new byte[200]));
    assertNull(asked.get());
  }

  // ---- MESSAGE refusals ----

  @Test
  void aReplayedMessageIsRefused() throws SecurityFailure {
    Pair p = new Pair(40).established();
    byte[] m = p.client.seal(bytes(1, 10));
    p.server.open(m);
    SecurityFailure f = refuses(PROTOCOL, () -> p.server.open(m));
    assertTrue(f.getMessage().contains("replayed or reordered"), f.getMessage());
    refuses(PROTOCOL, () -> p.server.open(p.client.seal(bytes(2, 10))));
  }

  @Test
  void aReorderedMessageIsRefused() throws SecurityFailure {
    Pair p = new Pair(41).established();
    byte[] first = p.server.seal(bytes(1, 10));
    byte[] second = p.server.seal(bytes(2, 10));
    assertArrayEquals(bytes(2, 10), p.client.open(second), "a gap is fine");
    refuses(PROTOCOL, () -> p.client.open(first));
  }

  @Test
  void aFlippedBitAnywhereInAMessageIsRefused() throws SecurityFailure {
    byte[] payload = bytes(3, 20);
    for (int bit : new int[] {0, 3, 7}) {
      int length = 33 + payload.length;
      for (int i = 0; i < length; i++) {
        Pair p = new Pair(1000L * bit + 10 * i).established();
        byte[] m = p.client.seal(payload);
        byte[] flipped = Fixtures.flip(m, i, bit);
        refuses(PROTOCOL, () -> p.server.open(flipped));
        refuses(PROTOCOL, () -> p.server.open(m)); // the connection is dead now
      }
    }
  }

  @Test
  void truncatedOrPaddedMessagesAndOtherCommandsAreRefused() throws SecurityFailure {
    Pair p = new Pair(42).established();
    byte[] m = p.client.seal(bytes(1, 10));
    for (byte[] bad :
        List.of(
            Arrays.copyOf(m, m.length - 1),
            Arrays.copyOf(m, m.length + 1),
            Arrays.copyOf(m, 32),
            new byte[0],
            ErrorCommand.encode("x"),
            bytes(5, 100))) {
      Pair fresh = new Pair(42).established();
      refuses(PROTOCOL, () -> fresh.server.open(bad));
    }
  }

  @Test
  void aMessageSealedForTheOtherDirectionIsRefused() throws SecurityFailure {
    Pair p = new Pair(44).established();
    byte[] toServer = p.client.seal(bytes(1, 10));
    refuses(PROTOCOL, () -> p.client.open(toServer));
  }

  @Test
  void aMessageWithFlagsIsRefused() throws SecurityFailure {
    Pair p = new Pair(45).established();
    // Box the flags byte 0x01 (ZMTP's MORE) with the real session key: only the seal itself can do
    // that, so reseal.
    byte[] m = p.client.seal(new byte[0]);
    byte[] key = sessionKeyOf(p);
    byte[] nonce = Command.fullNonce(Command.CLIENT_MESSAGE_NONCE, m, 8);
    NaclBox.seal(key, nonce, new byte[] {1}, 0, 1, m, 16);
    SecurityFailure f = refuses(PROTOCOL, () -> p.server.open(m));
    assertTrue(f.getMessage().contains("flags"), f.getMessage());
  }

  // ---- malformed handshake commands ----

  @Test
  void malformedHelloIsRefused() throws SecurityFailure {
    byte[] hello = only(new Pair(50).client.start());
    List<byte[]> bad =
        List.of(
            new byte[0],
            Arrays.copyOf(hello, 199),
            Arrays.copyOf(hello, 201),
            bytes(51, 200),
            version(hello, 2, 0),
            version(hello, 1, 1),
            rename(hello, "HELLX"),
            ErrorCommand.encode("hi"),
            lowOrderShortKey(hello));
    for (byte[] frame : bad) {
      Pair p = new Pair(52);
      refuses(PROTOCOL, () -> p.server.receive(frame));
      refuses(PROTOCOL, () -> p.server.receive(hello)); // dead after a refusal
    }
  }

  @Test
  void malformedWelcomeIsRefused() throws SecurityFailure {
    Pair model = new Pair(53);
    byte[] welcome = only(model.server.receive(only(model.client.start())));
    List<byte[]> bad =
        List.of(
            new byte[0],
            Arrays.copyOf(welcome, 167),
            Arrays.copyOf(welcome, 169),
            bytes(54, 168),
            rename(welcome, "WELCOMX"),
            new byte[] {5, 'E', 'R'},
            Arrays.copyOf(ErrorCommand.encode("too short"), 9));
    for (byte[] frame : bad) {
      Pair p = new Pair(53);
      p.client.start();
      refuses(PROTOCOL, () -> p.client.receive(frame));
    }
  }

  @Test
  void outOfOrderCommandsAreRefused() throws SecurityFailure {
    Pair p = new Pair(55);
    byte[] hello = only(p.client.start());
    byte[] welcome = only(p.server.receive(hello));
    byte[] initiate = only(p.client.receive(welcome));
    byte[] ready = only(p.server.receive(initiate));

    refuses(PROTOCOL, () -> new Pair(55).server.receive(initiate)); // INITIATE before HELLO
    refuses(PROTOCOL, () -> new Pair(55).client.receive(welcome)); // before start()
    Pair q = new Pair(55);
    q.client.start();
    refuses(PROTOCOL, () -> q.client.receive(ready)); // READY before WELCOME
    Pair r = new Pair(55);
    r.server.receive(hello);
    refuses(PROTOCOL, () -> r.server.receive(hello)); // HELLO twice
    Pair s = new Pair(55);
    only(s.client.receive(only(s.server.receive(only(s.client.start())))));
    refuses(PROTOCOL, () -> s.client.receive(welcome)); // WELCOME twice
    Pair t = new Pair(56).established();
    refuses(PROTOCOL, () -> t.server.receive(initiate)); // handshake after the handshake
    Pair u = new Pair(56).established();
    refuses(
        PROTOCOL, () -> u.client.receive(u.server.seal(new byte[0]))); // MESSAGE through receive()
  }

  @Test
  void malformedInitiateIsRefused() throws SecurityFailure {
    Pair model = new Pair(57);
    byte[] initiate =
        only(model.client.receive(only(model.server.receive(only(model.client.start())))));
    List<UnaryOperator<byte[]>> damage =
        List.of(
            f -> Arrays.copyOf(f, 256),
            f -> Arrays.copyOf(f, Command.INITIATE_MIN + Metadata.MAX_LENGTH + 1),
            f -> Arrays.copyOf(f, f.length + 1),
            f -> bytes(58, f.length),
            f -> rename(f, "INITIATX"),
            f -> Fixtures.flip(f, 20, 0), // the cookie
            f -> Fixtures.flip(f, 200, 0), // the box
            f -> new byte[0]);
    for (var d : damage) {
      Pair p = new Pair(57);
      byte[] welcome = only(p.server.receive(only(p.client.start())));
      assertArrayEquals(initiate, only(p.client.receive(welcome)), "deterministic");
      byte[] bad = d.apply(initiate);
      refuses(PROTOCOL, () -> p.server.receive(bad));
    }
  }

  @Test
  void malformedReadyIsRefused() throws SecurityFailure {
    Pair model = new Pair(59);
    byte[] hello = only(model.client.start());
    byte[] ready =
        only(model.server.receive(only(model.client.receive(only(model.server.receive(hello))))));
    List<byte[]> bad =
        List.of(
            Arrays.copyOf(ready, 29),
            Arrays.copyOf(ready, 31),
            Fixtures.flip(ready, 20, 1),
            Fixtures.flip(ready, 7, 1),
            rename(ready, "READX"),
            bytes(60, 30),
            Arrays.copyOf(ready, Command.READY_MIN + Metadata.MAX_LENGTH + 1));
    for (byte[] frame : bad) {
      Pair p = new Pair(59);
      only(p.client.receive(only(p.server.receive(only(p.client.start())))));
      refuses(PROTOCOL, () -> p.client.receive(frame));
    }
  }

  @Test
  void aCookieFromAnotherConnectionIsRefused() throws SecurityFailure {
    Pair a = new Pair(61);
    Pair b = new Pair(61, 99, Map.of(), Map.of()); // the same keys: only the connection differs
    a.server.receive(only(a.client.start()));
    byte[] initiateForB = only(b.client.receive(only(b.server.receive(only(b.client.start())))));
    SecurityFailure f = refuses(PROTOCOL, () -> a.server.receive(initiateForB));
    assertTrue(f.getMessage().contains("cookie"), f.getMessage());
  }

  @Test
  void garbageNeverEscapesAsAnUncheckedException() throws SecurityFailure {
    SplittableRandom random = new SplittableRandom(62);
    byte[][] names = {
      Command.HELLO,
      Command.WELCOME,
      Command.INITIATE,
      Command.READY,
      Command.MESSAGE,
      Command.ERROR
    };
    for (int round = 0; round < 1500; round++) {
      byte[] frame = new byte[random.nextInt(400)];
      random.nextBytes(frame);
      byte[] name = names[random.nextInt(names.length)];
      if (random.nextBoolean() && frame.length >= name.length) {
        System.arraycopy(name, 0, frame, 0, name.length);
      }
      Pair p = new Pair(63);
      int step = round % 5;
      if (step == 0) {
        assertRefused(() -> p.server.receive(frame));
      } else if (step == 1) {
        p.client.start();
        assertRefused(() -> p.client.receive(frame));
      } else if (step == 2) {
        p.server.receive(only(p.client.start()));
        assertRefused(() -> p.server.receive(frame));
      } else if (step == 3) {
        p.client.receive(only(p.server.receive(only(p.client.start()))));
        assertRefused(() -> p.client.receive(frame));
      } else {
        p.established();
        assertRefused(() -> p.server.open(frame));
      }
    }
  }

  // ---- misuse ----

  @Test
  void sealBeforeTheHandshakeAndStartTwiceAreProgrammingErrors() {
    Pair p = new Pair(64);
    assertThrows(IllegalStateException.class, () -> p.client.seal(new byte[1]));
    assertThrows(IllegalStateException.class, () -> p.server.open(new byte[40]));
    p.client.start();
    assertThrows(IllegalStateException.class, p.client::start);
  }

  @Test
  void aDestroyedServerKeyPairFailsTheConnectionLocally() throws SecurityFailure {
    Pair p = new Pair(68);
    byte[] hello = only(p.client.start());
    p.serverKeys.destroy();
    assertThrows(IllegalStateException.class, () -> p.server.receive(hello));
    refuses(PROTOCOL, () -> p.server.receive(hello));
  }

  @Test
  void destroyWipesAndRefusesEverything() throws SecurityFailure {
    Pair p = new Pair(65).established();
    byte[] m = p.client.seal(new byte[3]);
    p.server.destroy();
    assertTrue(p.server.isDestroyed());
    assertArrayEquals(new byte[32], sessionKeyOf(p.server));
    refuses(PROTOCOL, () -> p.server.open(m));
    assertThrows(IllegalStateException.class, () -> p.server.seal(new byte[1]));
  }

  @Test
  void toStringNamesNoSecret() throws SecurityFailure {
    Pair p = new Pair(66).established();
    String text = p.client.toString() + p.server.toString();
    assertTrue(text.contains(p.serverKeys.publicKey().z85()), text);
    assertFalse(text.contains(CurvePublicKey.of(p.clientKeys.secretKey()).z85()), text);
  }

  // ---- helpers ----

  private static void assertRefused(Executable step) {
    assertThrows(SecurityFailure.class, step);
  }

  private static byte[] version(byte[] hello, int major, int minor) {
    byte[] copy = hello.clone();
    copy[6] = (byte) major;
    copy[7] = (byte) minor;
    return copy;
  }

  private static byte[] rename(byte[] frame, String name) {
    byte[] copy = frame.clone();
    byte[] ascii = name.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(ascii, 0, copy, 1, ascii.length);
    return copy;
  }

  private static byte[] lowOrderShortKey(byte[] hello) {
    byte[] copy = hello.clone();
    Arrays.fill(copy, 80, 112, (byte) 0);
    return copy;
  }

  /** The session key of {@code p}'s server: only tests that forge boxes need it. */
  private static byte[] sessionKeyOf(Pair p) {
    return sessionKeyOf(p.server);
  }

  private static byte[] sessionKeyOf(CurveSecurity side) {
    return side.secretFields()[3].clone();
  }
}
