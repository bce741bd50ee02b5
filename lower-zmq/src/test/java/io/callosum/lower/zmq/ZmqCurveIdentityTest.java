package io.callosum.lower.zmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.testing.Await;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/**
 * A caller's identity is what the ZAP handler decided, never what the client claims: jeromq 0.6.0
 * lets the properties of a client's handshake override the ZAP reply's {@code User-Id}, so a client
 * whose key is allowed as "alice" could otherwise call as "admin" (or as nobody).
 */
class ZmqCurveIdentityTest {
  private final CurveKeyPair serverKeys = CurveKeyPair.generate();
  private final CurveKeyPair aliceKeys = CurveKeyPair.generate();
  private final List<Optional<String>> seen = new CopyOnWriteArrayList<>();
  private ZmqTransport serverTransport;
  private Peer server;

  @BeforeEach
  void startServer() {
    AllowListAuthenticator allow = new AllowListAuthenticator("identity", serverKeys);
    allow.allow(aliceKeys.publicKey(), "alice");
    serverTransport = new ZmqTransport(ZmqOptions.defaults().withCurveServer(allow));
    server = Peer.builder().transport(serverTransport).bind("zmq+tcp://127.0.0.1:0").build();
    server.handle(
        "whoami",
        (ctx, body) -> {
          seen.add(ctx.identity());
          return ctx.identity().orElse("nobody");
        });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.close();
    Await.until("the server's context ends", () -> serverTransport.openEndpoints() == 0);
  }

  /** A whoami call as Python Callosum's client sends it (no PING first). */
  private static void call(RawZmtpClient client) throws IOException {
    client.send(
        PyWire.UPPER,
        PyWire.header(1, "whoami", PyWire.OKEY_NONE, 0, false),
        PyWire.callBody(new byte[] {(byte) 0xc0}));
  }

  /**
   * The next message that is not one of the server's probes ({@code [PING, "", ""]}, sent to its
   * remotes every heartbeat interval, so one may come before a reply), or null after {@code
   * millis}.
   */
  private static List<byte[]> reply(RawZmtpClient client, long millis) throws IOException {
    long deadline = System.nanoTime() + millis * 1_000_000;
    List<byte[]> m;
    do {
      m = client.receive(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    } while (m != null && Arrays.equals(m.get(0), PyWire.PING));
    return m;
  }

  /** The string result of a reply. */
  private static String result(List<byte[]> reply) throws IOException {
    assertEquals(3, reply.size(), PyWire.describe(reply));
    assertEquals(2, PyWire.checkUpper(reply.get(1), reply.get(2)).type(), "a RESULT");
    try (MessageUnpacker u =
        MessagePack.newDefaultUnpacker(PyWire.decodeBody(reply.get(2)).body())) {
      return u.unpackString();
    }
  }

  @Test
  void theRawClientIsServedAsTheUserItsKeyIsAllowedAs() throws IOException {
    try (RawZmtpClient alice =
        RawZmtpClient.curve(server.address(), serverKeys.publicKey(), aliceKeys, Map.of())) {
      assertTrue(alice.accepted(), alice.error());
      call(alice);
      List<byte[]> reply = reply(alice, Await.LIMIT.toMillis());
      assertNotNull(reply, "no reply");
      assertEquals("alice", result(reply));
    }
    assertEquals(List.of(Optional.of("alice")), seen);
  }

  @ParameterizedTest
  @ValueSource(strings = {"admin", ""})
  void aUserIdTheClientNamesItselfNeverReachesAHandler(String forged) throws IOException {
    long dropsBefore = serverTransport.unverifiedDrops();
    try (RawZmtpClient forger =
        RawZmtpClient.curve(
            server.address(), serverKeys.publicKey(), aliceKeys, Map.of("User-Id", forged))) {
      assertTrue(forger.accepted(), "ZAP let alice's key in: " + forger.error());
      call(forger);
      // Until the server has dropped the call, or answered it (which it must not).
      long deadline = System.nanoTime() + Await.LIMIT.toNanos();
      List<byte[]> reply = null;
      while (reply == null
          && serverTransport.unverifiedDrops() == dropsBefore
          && System.nanoTime() < deadline) {
        reply = forger.receive(5);
      }
      if (reply != null) {
        throw new AssertionError(
            "the connection that named itself '"
                + forged
                + "' was served as '"
                + result(reply)
                + "'");
      }
      assertTrue(
          serverTransport.unverifiedDrops() > dropsBefore,
          "the forged call was neither answered nor dropped");

      // An honest client on the same server is served as alice, and nobody else reached a handler.
      ZmqTransport clientTransport =
          new ZmqTransport(
              ZmqOptions.defaults()
                  .withCurveClient(ClientAuthenticator.of(serverKeys.publicKey(), aliceKeys)));
      try (ConnectedPeer honest =
          Peer.builder().transport(clientTransport).connect(server.address()).build().start()) {
        assertEquals("alice", honest.invokeAndWait("whoami", null));
      }
      assertEquals(List.of(Optional.of("alice")), seen);
      assertNull(forger.receive(0), "the forged connection got an answer");
      // The honest client said goodbye; the forged connection never became a remote.
      Await.until(
          "the server has no remote",
          () -> server.remotes().isEmpty(),
          () -> server.remotes().toString());
    }
  }

  @Test
  void aPlainServerGivesNoIdentityWhateverTheClientClaims() throws IOException {
    ZmqTransport plain = new ZmqTransport();
    try (Peer plainServer = Peer.builder().transport(plain).bind("zmq+tcp://127.0.0.1:0").build()) {
      plainServer.handle(
          "whoami",
          (ctx, body) -> {
            seen.add(ctx.identity());
            return ctx.identity().orElse("nobody");
          });
      plainServer.start();
      try (RawZmtpClient client =
          RawZmtpClient.plain(plainServer.address(), Map.of("User-Id", "admin"))) {
        call(client);
        List<byte[]> reply = reply(client, Await.LIMIT.toMillis());
        assertNotNull(reply, "no reply");
        assertEquals("nobody", result(reply));
      }
    }
    assertEquals(List.of(Optional.empty()), seen);
  }
}
