package io.callosum.lower.zmq;

import static io.callosum.lower.zmq.PyWire.REPLY_BODY;
import static io.callosum.lower.zmq.PyWire.REQUEST_BODY;
import static io.callosum.lower.zmq.PyWire.REQUEST_HEADER;
import static io.callosum.lower.zmq.PyWire.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Peer;
import io.callosum.lower.Capabilities;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Liveness without ZMTP heartbeats: each end PINGs a remote it has not heard from and takes one
 * that stays silent for the heartbeat timeout for gone. A connector then connects afresh; a bound
 * peer drops the remote and tells a Java connector with BYE, which then starts a new handshake. A
 * remote that answers PINGs is kept however quiet it is otherwise, and Python peers see only frames
 * Python Callosum sends.
 */
class ZmqLivenessTest {
  private static final Duration INTERVAL = Duration.ofMillis(100);
  private static final Duration TIMEOUT = Duration.ofMillis(500);
  private static final ZmqOptions OPTIONS = ZmqOptions.defaults().withHeartbeat(INTERVAL, TIMEOUT);

  /** This project's goodbye (Python Callosum has none). */
  private static final byte[] BYE = "BYE".getBytes(StandardCharsets.US_ASCII);

  /** A Java connector's announcement, as a raw socket plays one. */
  private static final byte[] JAVA_PING_HEADER =
      new Capabilities(Capabilities.VERSION, 7, Set.of(Capabilities.CHAIN)).encode();

  @RegisterExtension final Closer closer = new Closer();
  private final ExecutorService background = closer.executor("zmq-liveness-test-background");

  private <T extends AutoCloseable> T closeLater(T c) {
    return closer.later(c);
  }

  private static boolean is(List<byte[]> m, int index, byte[] kind) {
    return m != null && m.size() > index && Arrays.equals(kind, m.get(index));
  }

  /** A client of a raw ROUTER playing a Python server; the handshake's PING is answered. */
  private ConnectedPeer handshakeWith(RawZmq router) throws Exception {
    ConnectedPeer client =
        closeLater(
            Peer.builder()
                .transport(new ZmqTransport(OPTIONS))
                .connect(router.callosumAddress())
                .name("client")
                .defaultTimeout(Await.LIMIT)
                .build());
    CompletableFuture<Peer> started = CompletableFuture.supplyAsync(client::start, background);
    List<byte[]> ping = router.next();
    assertTrue(is(ping, 1, PyWire.PING), PyWire.describe(ping));
    router.send(ping.get(0), PyWire.PONG, ping.get(2), ping.get(3)); // echoed: a Python server
    Await.result(started);
    return client;
  }

  @Test
  void aConnectorDropsASilentServerAndConnectsAfresh() throws Exception {
    RawZmq router = closeLater(RawZmq.router());
    long answered = System.nanoTime(); // the client hears the server's PONG after this instant
    ConnectedPeer client = handshakeWith(router);
    CompletableFuture<Object> call = client.invoke("echo", "x");

    byte[] first = null;
    int pings = 0;
    byte[] freshPing = null;
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    while (freshPing == null && System.nanoTime() < deadline) {
      List<byte[]> m = router.receive(50);
      if (m == null) {
        continue;
      }
      if (first == null) {
        first = m.get(0);
      }
      if (is(m, 1, PyWire.PING)) {
        if (Arrays.equals(first, m.get(0))) {
          pings++;
          // a Python server gets Python's own PING: empty header and body
          assertArrayEquals(PyWire.EMPTY, m.get(2), "liveness PING header");
          assertArrayEquals(PyWire.EMPTY, m.get(3), "liveness PING body");
        } else {
          freshPing = m.get(0); // a new socket's handshake
        }
      }
    }
    assertTrue(freshPing != null, "the connector connected afresh after the silence");
    Throwable failure = Await.failure(call);
    long millis = (System.nanoTime() - answered) / 1_000_000;
    assertInstanceOf(ConnectionLostException.class, failure, String.valueOf(failure));
    assertTrue(failure.getMessage().contains("heartbeat timeout"), failure.getMessage());
    assertTrue(millis >= TIMEOUT.toMillis(), "not before the timeout: " + millis + " ms");
    assertTrue(pings >= 1, "the silent server was PINGed first: " + pings);
  }

  @Test
  void aConnectorKeepsAQuietServerThatAnswersItsPings() throws Exception {
    RawZmq router = closeLater(RawZmq.router());
    ConnectedPeer client = handshakeWith(router);

    // Python servers send nothing unasked: four timeouts of quiet, every PING answered.
    int pings = 0;
    long end = System.nanoTime() + 4 * TIMEOUT.toNanos();
    while (System.nanoTime() < end) {
      List<byte[]> m = router.receive(20);
      if (is(m, 1, PyWire.PING)) {
        pings++;
        assertArrayEquals(PyWire.EMPTY, m.get(2), "no second handshake: " + PyWire.describe(m));
        router.send(m.get(0), PyWire.PONG, m.get(2), m.get(3));
      } else if (m != null) {
        throw new AssertionError("unexpected: " + PyWire.describe(m));
      }
    }
    // about one PING per half timeout (ZmqOptions#heartbeatTimeout), so some 8 in four timeouts
    assertTrue(pings >= 3, "the connector PINGs a server it does not hear: " + pings);
    assertEquals(1, client.remotes().size(), client.remotes().toString());
  }

  @Test
  void aConnectorToldByeFailsItsCallsAndShakesHandsAgain() throws Exception {
    RawZmq router = closeLater(RawZmq.router());
    ConnectedPeer client = handshakeWith(router);
    CompletableFuture<Object> call = client.invoke("echo", "x");
    List<byte[]> request = router.next();
    assertTrue(is(request, 1, PyWire.UPPER), PyWire.describe(request));
    byte[] id = request.get(0);

    router.send(id, BYE, PyWire.EMPTY, PyWire.EMPTY);
    Throwable failure = Await.failure(call);
    assertInstanceOf(ConnectionLostException.class, failure, String.valueOf(failure));
    List<byte[]> ping = router.next();
    while (is(ping, 1, PyWire.PING) && ping.get(2).length == 0) {
      router.send(ping.get(0), PyWire.PONG, ping.get(2), ping.get(3)); // a liveness PING
      ping = router.next();
    }
    assertTrue(is(ping, 1, PyWire.PING), PyWire.describe(ping));
    assertArrayEquals(id, ping.get(0), "the same connection");
    assertTrue(ping.get(2).length > 0, "a handshake PING announces the connector");
    router.send(id, PyWire.PONG, ping.get(2), ping.get(3));
    Await.until("the connector is up again", () -> client.remotes().size() == 1);
  }

  @Test
  void aServerDropsASilentJavaConnectorAndSaysBye() {
    Peer server = echoServer();
    RawZmq dealer = closeLater(RawZmq.dealerTo(server.address()));
    // The server hears the PING after this instant, so it may drop the connector no earlier than a
    // timeout after it (stamped after the PONG instead, the silence would have begun before).
    long answered = System.nanoTime();
    dealer.send(PyWire.PING, JAVA_PING_HEADER, PyWire.EMPTY);
    assertTrue(is(dealer.next(), 0, PyWire.PONG));
    Await.until("the server knows the connector", () -> server.remotes().size() == 1);

    int probes = 0;
    List<byte[]> m;
    while (is(m = dealer.next(), 0, PyWire.PING)) {
      probes++; // never answered
    }
    long millis = (System.nanoTime() - answered) / 1_000_000;
    assertTrue(is(m, 0, BYE), "BYE after the probes: " + PyWire.describe(m));
    assertTrue(probes >= 1, "probed first: " + probes);
    assertTrue(millis >= TIMEOUT.toMillis(), "not before the timeout: " + millis + " ms");
    Await.until("the server dropped the connector", () -> server.remotes().isEmpty());

    // What it sends before a new handshake is dropped; the handshake brings it back.
    dealer.send(PyWire.UPPER, REQUEST_HEADER, REQUEST_BODY);
    dealer.send(PyWire.PING, JAVA_PING_HEADER, PyWire.EMPTY);
    List<byte[]> pong = dealer.next();
    assertTrue(is(pong, 0, PyWire.PONG), "the PING is answered, the request before it dropped");
    Await.until(
        "the connector is known again, as a Java peer",
        () -> server.remotes().size() == 1 && !server.remotes().get(0).capabilities().isLegacy());
  }

  @Test
  void aServerDropsASilentPythonClientWithoutByeAndServesItWhenItSpeaksAgain() {
    Peer server = echoServer();
    PyClient py = closeLater(PyClient.connect(server.address())).handshake();
    Await.until("the server knows the client", () -> server.remotes().size() == 1);
    Await.until(
        "the server drops the client that answers nothing",
        () -> server.remotes().isEmpty(),
        () -> server.remotes().toString());

    // PyClient fails on any kind Python Callosum never sends (BYE), and answers the PINGs it
    // reads on the way to the reply.
    py.sendUpper(REQUEST_HEADER, REQUEST_BODY);
    assertEquals(hex(REPLY_BODY), hex(py.nextUpper().get(2)));
    Await.until("the client is known again", () -> server.remotes().size() == 1);
    assertTrue(py.probes() >= 1, "the server asked it before dropping it: " + py.probes());
  }

  @Test
  void aServerKeepsAClientThatAnswersItsPings() {
    Peer server = echoServer();
    PyClient py = closeLater(PyClient.connect(server.address())).handshake();
    Await.until("the server knows the client", () -> server.remotes().size() == 1);
    String link = server.remotes().get(0).id();
    // Four timeouts of quiet, the probes answered (drain answers every PING it reads).
    assertEquals(0, py.drain(4 * TIMEOUT.toMillis()).size(), "nothing but probes");
    assertTrue(py.probes() >= 3, "probed about once per half timeout: " + py.probes());
    assertEquals(List.of(link), server.remotes().stream().map(r -> r.id()).toList());
  }

  private Peer echoServer() {
    Peer server =
        closeLater(
            Peer.builder()
                .transport(new ZmqTransport(OPTIONS))
                .bind("zmq+tcp://127.0.0.1:0")
                .name("server")
                .build());
    server.handle("echo", (ctx, body) -> body.value());
    return server.start();
  }
}
