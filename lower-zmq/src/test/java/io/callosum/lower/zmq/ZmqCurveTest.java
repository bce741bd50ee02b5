package io.callosum.lower.zmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.AuthenticationException;
import io.callosum.CallosumException;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.testing.Await;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** CURVE with ZAP: who gets in, and what a refused client is told. */
class ZmqCurveTest {
  private final CurveKeyPair serverKeys = CurveKeyPair.generate();
  private final CurveKeyPair allowedKeys = CurveKeyPair.generate();
  private ZmqTransport serverTransport;
  private Peer server;

  @BeforeEach
  void startServer() {
    AllowListAuthenticator allow = new AllowListAuthenticator("curve-test", serverKeys);
    allow.allow(allowedKeys.publicKey(), "alice");
    serverTransport = new ZmqTransport(ZmqOptions.defaults().withCurveServer(allow));
    server = Peer.builder().transport(serverTransport).bind("zmq+tcp://127.0.0.1:0").build();
    server.handle("whoami", (ctx, body) -> ctx.identity().orElse("nobody"));
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.close();
    Await.until("the server's context ends", () -> serverTransport.openEndpoints() == 0);
  }

  private ZmqTransport clientTransport;

  private ConnectedPeer client(ZmqOptions options) {
    clientTransport = new ZmqTransport(options);
    return Peer.builder()
        .transport(clientTransport)
        .connect(server.address())
        .connectTimeout(Duration.ofSeconds(3))
        .build();
  }

  /**
   * Live I/O loop threads of ZeroMQ transports in this JVM (those of earlier tests' transports end
   * a moment after them).
   */
  private static Set<Thread> loopThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("callosum-zmq-io-"))
        .collect(Collectors.toSet());
  }

  @Test
  void anAllowedKeyGetsInAndItsUserIdReachesTheHandler() {
    try (ConnectedPeer client =
        client(
                ZmqOptions.defaults()
                    .withCurveClient(ClientAuthenticator.of(serverKeys.publicKey(), allowedKeys)))
            .start()) {
      assertEquals("alice", client.invokeAndWait("whoami", null));
      assertEquals("alice", server.remotes().get(0).identity().orElseThrow());
    }
  }

  @Test
  void anUnknownKeyIsRejectedAsAnAuthenticationFailure() {
    ConnectedPeer client =
        client(
            ZmqOptions.defaults()
                .withCurveClient(
                    ClientAuthenticator.of(serverKeys.publicKey(), CurveKeyPair.generate())));
    long start = System.nanoTime();
    AuthenticationException e = assertThrows(AuthenticationException.class, client::start);
    assertTrue(e.getMessage().contains("credentials"), e.getMessage());
    assertTrue(
        System.nanoTime() - start < Duration.ofSeconds(3).toNanos(),
        "gave up at the first refusal");
    assertTrue(server.remotes().isEmpty());
  }

  @Test
  void aWrongServerKeyIsReportedWithoutSpinning() {
    Set<Thread> loopsBefore = loopThreads();
    ConnectedPeer client =
        client(
            ZmqOptions.defaults()
                .withHandshakeRetry(Duration.ofMillis(300)) // silence is all it gets: fail soon
                .withCurveClient(
                    ClientAuthenticator.of(CurveKeyPair.generate().publicKey(), allowedKeys)));
    AuthenticationException e = assertThrows(AuthenticationException.class, client::start);
    assertTrue(e.getMessage().contains("server public key"), e.getMessage());
    Await.until(
        "the client's sockets and threads are gone",
        () -> clientTransport.openEndpoints() == 0 && loopsBefore.containsAll(loopThreads()));
  }

  @Test
  void aPlainClientCannotTalkToACurveServer() {
    ConnectedPeer client = client(ZmqOptions.defaults());
    CallosumException e = assertThrows(CallosumException.class, client::start);
    assertTrue(
        e instanceof AuthenticationException || e.getMessage().contains("handshake"), e.toString());
    assertTrue(server.remotes().isEmpty());
  }
}
