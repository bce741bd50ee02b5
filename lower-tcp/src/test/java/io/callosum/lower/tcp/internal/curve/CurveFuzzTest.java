package io.callosum.lower.tcp.internal.curve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.callosum.auth.CurveKeyPair;
import io.callosum.lower.tcp.internal.ConnectionSecurity;
import io.callosum.lower.tcp.internal.SecurityFailure;
import io.callosum.testing.FuzzInput;
import io.callosum.testing.FuzzSeeds;
import io.callosum.testing.ThreadAllocation;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fuzz targets of the CurveZMQ commands a remote sends (docs/FUZZING.md), with real keys. Raw
 * commands to a server (screened, then stepped, as the transport does) and to a client after its
 * HELLO; and, past the boxes, plaintexts from the input sealed with the right keys: INITIATE's
 * (client key, vouch, metadata), READY's metadata, and MESSAGE commands with the input's nonces and
 * flags. Nothing but {@link SecurityFailure} is thrown; raw input establishes a connection only as
 * a replay of the seeded handshake's own peer (the randomness is fixed, so that runs repeat); a
 * sealed MESSAGE opens exactly when its nonce is above the last one and its flags are zero, to the
 * plaintext sealed; metadata that is accepted encodes back to its bytes; each step allocates at
 * most a bound linear in the command.
 */
class CurveFuzzTest {
  private static final CurveKeyPair SERVER = Fixtures.keyPair(101);
  private static final CurveKeyPair CLIENT = Fixtures.keyPair(102);
  private static final CurveKeyPair STRANGER = Fixtures.keyPair(103);
  private static final int KEY = 32;

  private static CurveSecurity newServer() {
    return CurveSecurity.server(
        Fixtures.allowing(SERVER, CLIENT.publicKey()), Map.of(), new Fixtures.SeededRandom(7));
  }

  private static CurveSecurity newClient() {
    return CurveSecurity.client(
        Fixtures.client(SERVER.publicKey(), CLIENT), Map.of(), new Fixtures.SeededRandom(8));
  }

  /**
   * Up to three commands to a server, as the transport gives them: screened on the I/O thread, then
   * stepped.
   */
  @FuzzTest
  void server(byte[] data) throws Exception {
    FuzzInput in = new FuzzInput(data);
    CurveSecurity s = newServer();
    for (int i = 0; i < 3 && in.more(); i++) {
      byte[] frame = in.chunk();
      try {
        ThreadAllocation.measured(
            (64 << 10) + 4L * frame.length, "a server step", () -> step(s, frame));
      } catch (SecurityFailure e) {
        break;
      }
    }
    if (s.established()) { // only by replaying this seeded handshake's own client: never as anyone
      // else
      assertEquals(CLIENT.publicKey(), s.clientKey());
      assertEquals("alice", s.userId());
    }
  }

  private static void step(CurveSecurity s, byte[] frame) throws SecurityFailure {
    s.screen(frame);
    ConnectionSecurity.Step step = s.handshakeStep(frame);
    if (step.decision() != null) {
      step.decision().ask();
      step.decision().finish();
    }
  }

  /** Commands to a client that has sent its HELLO. */
  @FuzzTest
  void client(byte[] data) throws Exception {
    FuzzInput in = new FuzzInput(data);
    CurveSecurity c = newClient();
    c.start();
    for (int i = 0; i < 3 && in.more(); i++) {
      byte[] frame = in.chunk();
      try {
        ThreadAllocation.measured(
            (64 << 10) + 4L * frame.length, "a client step", () -> c.receive(frame));
      } catch (SecurityFailure e) {
        break;
      }
    }
    assertTrue(
        !c.established() || c.remoteMetadata().isEmpty(),
        "only this seeded handshake's own server establishes");
  }

  /** The keys a client side holds after the server's WELCOME, taken from a real exchange. */
  private record Welcomed(
      CurveSecurity server,
      byte[] hello,
      byte[] cookie,
      byte[] serverShortKey,
      byte[] clientShortKey,
      byte[] sessionKey) {
    static Welcomed make() throws SecurityFailure {
      CurveSecurity s = newServer();
      CurveSecurity c = newClient();
      byte[] hello = c.start().get(0);
      s.screen(hello);
      byte[] welcome = s.handshakeStep(hello).replies().get(0);
      byte[][] secrets = c.secretFields();
      byte[] shortSecret = secrets[0].clone();
      byte[] plain = new byte[128];
      assertTrue(
          NaclBox.open(
              secrets[1],
              Command.fullNonce(Command.WELCOME_NONCE, welcome, 8),
              welcome,
              24,
              144,
              plain,
              0));
      byte[] serverShort = Arrays.copyOfRange(plain, 0, KEY);
      byte[] session = new byte[KEY];
      assertTrue(NaclBox.beforenm(serverShort, shortSecret, session));
      return new Welcomed(
          s,
          hello,
          Arrays.copyOfRange(plain, KEY, 128),
          serverShort,
          Arrays.copyOfRange(hello, 80, 80 + KEY),
          session);
    }
  }

  /**
   * An INITIATE sealed with this connection's keys around a plaintext the input picks: a correct
   * vouch by the allowed client or a stranger, or raw bytes, then metadata from the input.
   */
  @FuzzTest
  void initiate(byte[] data) throws Exception {
    FuzzInput in = new FuzzInput(data);
    Welcomed w = Welcomed.make();
    int mode = in.below(3);
    long nonce = in.bool() ? 2 : in.u64();
    byte[] plain;
    if (mode == 2) {
      plain = in.rest();
    } else {
      CurveKeyPair who = mode == 0 ? CLIENT : STRANGER;
      byte[] vouchNonce =
          Command.fullNonce(Command.VOUCH_NONCE, Arrays.copyOf(in.bytes(16), 16), 0);
      byte[] vouchKey = new byte[KEY];
      NaclBox.beforenm(w.serverShortKey, who.secretKey(), vouchKey);
      byte[] vouch = new byte[2 * KEY];
      System.arraycopy(w.clientShortKey, 0, vouch, 0, KEY);
      System.arraycopy(
          in.bool() ? SERVER.publicKey().bytes() : STRANGER.publicKey().bytes(),
          0,
          vouch,
          KEY,
          KEY);
      byte[] metadata = in.rest();
      plain = new byte[128 + metadata.length];
      System.arraycopy(who.publicKey().bytes(), 0, plain, 0, KEY);
      System.arraycopy(vouchNonce, Command.VOUCH_NONCE.length, plain, KEY, 16);
      NaclBox.seal(vouchKey, vouchNonce, vouch, 0, vouch.length, plain, 48);
      System.arraycopy(metadata, 0, plain, 128, metadata.length);
    }
    byte[] initiate = Command.frame(Command.INITIATE, 113 + 16 + plain.length);
    System.arraycopy(w.cookie, 0, initiate, 9, 96);
    org.bouncycastle.util.Pack.longToBigEndian(nonce, initiate, 105);
    NaclBox.seal(
        w.sessionKey,
        Command.fullNonce(Command.INITIATE_NONCE, initiate, 105),
        plain,
        0,
        plain.length,
        initiate,
        113);
    try {
      ThreadAllocation.measured(
          (64 << 10) + 4L * initiate.length, "INITIATE", () -> step(w.server, initiate));
    } catch (SecurityFailure e) {
      assertFalse(w.server.established());
      return;
    }
    assertTrue(w.server.established());
    assertEquals(
        CLIENT.publicKey(), w.server.clientKey(), "only the allowed client's proven key gets in");
    assertEquals("alice", w.server.userId());
    assertArrayEquals(
        Arrays.copyOfRange(plain, 128, plain.length),
        Metadata.encode(w.server.remoteMetadata()),
        "metadata read back");
  }

  /** A READY sealed with the session key around metadata from the input. */
  @FuzzTest
  void ready(byte[] data) throws Exception {
    FuzzInput in = new FuzzInput(data);
    CurveSecurity s = newServer();
    CurveSecurity c = newClient();
    byte[] hello = c.start().get(0);
    byte[] welcome = s.receive(hello).get(0);
    byte[] initiate = c.receive(welcome).get(0);
    s.receive(initiate);
    byte[] session = s.secretFields()[3];
    long nonce = in.bool() ? 1 : in.u64();
    byte[] metadata = in.rest();
    byte[] ready = Command.frame(Command.READY, Command.READY_MIN + metadata.length);
    org.bouncycastle.util.Pack.longToBigEndian(nonce, ready, 6);
    NaclBox.seal(
        session,
        Command.fullNonce(Command.READY_NONCE, ready, 6),
        metadata,
        0,
        metadata.length,
        ready,
        14);
    try {
      ThreadAllocation.measured((64 << 10) + 4L * ready.length, "READY", () -> c.receive(ready));
    } catch (SecurityFailure e) {
      assertFalse(c.established());
      return;
    }
    assertTrue(c.established());
    assertArrayEquals(metadata, Metadata.encode(c.remoteMetadata()), "metadata read back");
  }

  /**
   * MESSAGE commands to an established server: sealed by its client, forged with the session key
   * and the input's nonce and flags, or raw.
   */
  @FuzzTest
  void messages(byte[] data) throws Exception {
    FuzzInput in = new FuzzInput(data);
    CurveSecurity s = newServer();
    CurveSecurity c = newClient();
    Fixtures.handshake(c, s);
    byte[] session = s.secretFields()[3].clone();
    long last = 2; // the client's HELLO and INITIATE took nonces 1 and 2: a MESSAGE must be above
    while (in.more()) {
      int op = in.below(3);
      byte[] plain = in.chunk();
      byte[] frame;
      boolean opens;
      if (op == 0) {
        frame = c.seal(plain);
        long nonce = org.bouncycastle.util.Pack.bigEndianToLong(frame, 8);
        opens = Long.compareUnsigned(nonce, last) > 0;
      } else if (op == 1) {
        long nonce = in.u64();
        int flags = in.below(4) == 0 ? in.u8() : 0;
        byte[] content = new byte[1 + plain.length];
        content[0] = (byte) flags;
        System.arraycopy(plain, 0, content, 1, plain.length);
        frame = Command.frame(Command.MESSAGE, Command.MESSAGE_MIN + plain.length);
        org.bouncycastle.util.Pack.longToBigEndian(nonce, frame, 8);
        byte[] full = Command.fullNonce(Command.CLIENT_MESSAGE_NONCE, frame, 8);
        NaclBox.seal(session, full, content, 0, content.length, frame, 16);
        opens = Long.compareUnsigned(nonce, last) > 0 && flags == 0;
      } else {
        frame = plain;
        opens = false;
      }
      byte[][] opened = new byte[1][];
      try {
        ThreadAllocation.measured(
            (64 << 10) + 4L * frame.length, "open", () -> opened[0] = s.open(frame));
      } catch (SecurityFailure e) {
        assertFalse(opens, "a well-sealed MESSAGE with a fresh nonce opens: " + e.getMessage());
        return; // the layer refuses everything after a failure
      }
      assertTrue(opens || op == 2, "a replayed nonce or non-zero flags are refused");
      if (op != 2) {
        assertArrayEquals(plain, opened[0], "the plaintext sealed");
      }
      last = org.bouncycastle.util.Pack.bigEndianToLong(frame, 8);
    }
  }

  @Test
  void seeds() throws Exception {
    CurveSecurity c = newClient();
    CurveSecurity s = newServer();
    byte[] hello = c.start().get(0);
    byte[] welcome = s.receive(hello).get(0);
    byte[] initiate = c.receive(welcome).get(0);
    byte[] ready = s.receive(initiate).get(0);
    Map<String, byte[]> server = new LinkedHashMap<>();
    server.put("hello-initiate", new FuzzInput.Writer().chunk(hello).chunk(initiate).toByteArray());
    Map<String, byte[]> client = new LinkedHashMap<>();
    client.put("welcome-ready", new FuzzInput.Writer().chunk(welcome).chunk(ready).toByteArray());
    client.put(
        "error",
        new FuzzInput.Writer()
            .chunk(ErrorCommand.encode("this server does not accept the client's key"))
            .toByteArray());
    byte[] metadata =
        Metadata.encode(
            new LinkedHashMap<>(
                Map.of(
                    "Socket-Type", "DEALER".getBytes(java.nio.charset.StandardCharsets.US_ASCII))));
    Map<String, byte[]> initiates = new LinkedHashMap<>();
    initiates.put(
        "allowed",
        new FuzzInput.Writer().u8(0).u8(1).bytes(new byte[16]).u8(1).bytes(metadata).toByteArray());
    initiates.put(
        "stranger", new FuzzInput.Writer().u8(1).u8(1).bytes(new byte[16]).u8(1).toByteArray());
    Map<String, byte[]> readies = new LinkedHashMap<>();
    readies.put("metadata", new FuzzInput.Writer().u8(1).bytes(metadata).toByteArray());
    Map<String, byte[]> messages = new LinkedHashMap<>();
    messages.put(
        "sealed-then-forged",
        new FuzzInput.Writer()
            .u8(0)
            .chunk(new byte[] {4, 0, 0, 0, 1})
            .u8(1)
            .chunk(new byte[] {5})
            .u64(9)
            .u8(1)
            .u8(2)
            .chunk(new byte[3])
            .toByteArray());
    FuzzSeeds.check(
        getClass(),
        Map.of(
            "server",
            server,
            "client",
            client,
            "initiate",
            initiates,
            "ready",
            readies,
            "messages",
            messages));
  }
}
