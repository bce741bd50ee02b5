package io.callosum.lower.tcp.internal.curve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.internal.Hub;
import io.callosum.lower.tcp.internal.NullSecurity;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The secrets of a CURVE connection over the TCP lower are overwritten when they are no longer
 * needed: c', the HELLO box key and the cookie key once the handshake has used them, and the
 * session keys on both sides once the connection has ended, even one cut between WELCOME and
 * INITIATE.
 */
class SecretWipingTest {
  private static final int C_SHORT_SECRET = 0;
  private static final int HELLO_KEY = 1;
  private static final int COOKIE_KEY = 2;
  private static final int SESSION_KEY = 3;

  @RegisterExtension final Closer closer = new Closer();

  private final CurveKeyPair serverKeys = CurveKeyPair.generate();
  private final CurveKeyPair aliceKeys = CurveKeyPair.generate();
  private final AllowListAuthenticator allow = new AllowListAuthenticator("wipe", serverKeys);
  private final List<CurveSecurity> servers = new CopyOnWriteArrayList<>();
  private final List<CurveSecurity> clients = new CopyOnWriteArrayList<>();

  {
    allow.allow(aliceKeys.publicKey(), "alice");
  }

  private Peer server() {
    Hub hub =
        new Hub(
            TcpOptions.defaults(),
            NullSecurity::new,
            () -> {
              CurveSecurity s = CurveSecurity.server(allow);
              servers.add(s);
              return s;
            });
    Peer p =
        closer.later(
            Peer.builder()
                .transport(hub)
                .bind("tcp://127.0.0.1:0")
                .defaultTimeout(Await.LIMIT)
                .build());
    p.handle("echo", (ctx, body) -> body.value());
    return p.start();
  }

  private ConnectedPeer client(Peer server) {
    Hub hub =
        new Hub(
            TcpOptions.defaults(),
            () -> {
              CurveSecurity c =
                  CurveSecurity.client(ClientAuthenticator.of(serverKeys.publicKey(), aliceKeys));
              clients.add(c);
              return c;
            },
            NullSecurity::new);
    return closer
        .later(
            Peer.builder()
                .transport(hub)
                .connect(server.address())
                .defaultTimeout(Await.LIMIT)
                .build())
        .start();
  }

  /** Whether the array that held secret {@code which} is gone or all zeros. */
  private static boolean wiped(CurveSecurity s, int which) {
    byte[] secret = s.secretFields()[which];
    if (secret == null) {
      return true;
    }
    for (byte b : secret) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  @Test
  void handshakeSecretsGoAfterTheHandshakeAndSessionKeysWhenTheConnectionEnds() {
    Peer server = server();
    ConnectedPeer alice = client(server);
    assertEquals(7L, ((Number) alice.invokeAndWait("echo", 7)).longValue());
    CurveSecurity c = clients.get(0);
    CurveSecurity s = servers.get(0);
    assertTrue(
        wiped(c, C_SHORT_SECRET) && wiped(c, HELLO_KEY),
        "the client's c' and HELLO key are gone after WELCOME");
    assertTrue(wiped(s, COOKIE_KEY), "the server's cookie key is gone after INITIATE");
    assertFalse(
        wiped(c, SESSION_KEY) || wiped(s, SESSION_KEY),
        "the session keys are in use while connected");

    alice.close(); // its last channel: the connection closes
    Await.until(
        "both session keys are overwritten once the connection has ended",
        () -> wiped(c, SESSION_KEY) && wiped(s, SESSION_KEY));
    assertTrue(c.isDestroyed() && s.isDestroyed());
  }

  @Test
  void aHandshakeCutAfterWelcomeStillWipesTheCookieKey() throws Exception {
    Peer server = server();
    URI u = URI.create(server.address());
    try (Socket raw = new Socket()) {
      raw.connect(new InetSocketAddress(u.getHost(), u.getPort()));
      raw.setSoTimeout((int) Await.LIMIT.toMillis());
      byte[] hello =
          CurveSecurity.client(ClientAuthenticator.of(serverKeys.publicKey(), aliceKeys))
              .start()
              .get(0);
      // WIRE.md: the preamble "CLSM", version 2, the mechanism; then a HANDSHAKE (0x10) record.
      ByteBuffer out =
          ByteBuffer.allocate(16 + 4 + 1 + hello.length)
              .put("CLSM".getBytes(StandardCharsets.US_ASCII))
              .put((byte) 2)
              .put((byte) 0)
              .put("CURVE".getBytes(StandardCharsets.US_ASCII))
              .put(new byte[5])
              .putInt(1 + hello.length)
              .put((byte) 0x10)
              .put(hello);
      raw.getOutputStream().write(out.array());
      DataInputStream in = new DataInputStream(raw.getInputStream());
      in.readFully(new byte[16]);
      in.readFully(new byte[in.readInt()]); // WELCOME
      CurveSecurity s = servers.get(0);
      assertFalse(wiped(s, COOKIE_KEY), "the server holds the cookie key until INITIATE");
    } // then the client goes away instead of sending INITIATE
    CurveSecurity s = servers.get(0);
    Await.until(
        "the cookie key is overwritten once the connection has ended",
        () -> wiped(s, COOKIE_KEY) && s.isDestroyed());
  }
}
