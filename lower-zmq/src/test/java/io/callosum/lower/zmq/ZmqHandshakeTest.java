package io.callosum.lower.zmq;

import static io.callosum.lower.zmq.PyWire.PING;
import static io.callosum.lower.zmq.PyWire.PONG;
import static io.callosum.lower.zmq.PyWire.REPLY_BODY;
import static io.callosum.lower.zmq.PyWire.REPLY_HEADER;
import static io.callosum.lower.zmq.PyWire.REQUEST_BODY;
import static io.callosum.lower.zmq.PyWire.REQUEST_HEADER;
import static io.callosum.lower.zmq.PyWire.UPPER;
import static io.callosum.lower.zmq.PyWire.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Peer;
import io.callosum.lower.Capabilities;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.upper.MsgpackCodec;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The connector's handshake: retry on a fresh socket when a PING goes unanswered (the jeromq #912
 * workaround), clear failures for an unreachable address and for a listener that is not a Callosum
 * peer, and capabilities exchanged between two Java peers.
 */
class ZmqHandshakeTest {
  private static final Duration RETRY = Duration.ofMillis(200);

  @RegisterExtension final Closer closer = new Closer();
  private final ExecutorService background = closer.executor("zmq-handshake-test-background");

  private <T extends AutoCloseable> T closeLater(T c) {
    return closer.later(c);
  }

  private ConnectedPeer client(String address, Duration connectTimeout) {
    ZmqTransport transport = new ZmqTransport(ZmqOptions.defaults().withHandshakeRetry(RETRY));
    return closeLater(
        Peer.builder()
            .transport(transport)
            .connect(address)
            .name("client")
            .connectTimeout(connectTimeout)
            .defaultTimeout(Await.LIMIT)
            .build());
  }

  @Test
  void unansweredFirstPingIsRetriedOnAFreshSocket() throws Exception {
    RawZmq router = closeLater(RawZmq.router());
    Duration connectTimeout = Duration.ofSeconds(4);
    ConnectedPeer client = client(router.callosumAddress(), connectTimeout);
    long t0 = System.nanoTime();
    CompletableFuture<Peer> started = CompletableFuture.supplyAsync(client::start, background);

    // A server that drops the first PING it sees and answers later ones, as Python does.
    List<byte[]> pingIds = new ArrayList<>();
    byte[] answered = null;
    long deadline = t0 + connectTimeout.toNanos() + Await.LIMIT.toNanos();
    while (!started.isDone() && System.nanoTime() < deadline) {
      List<byte[]> m = router.receive(20);
      if (m == null) {
        continue;
      }
      assertEquals(4, m.size(), PyWire.describe(m));
      assertArrayEquals(PING, m.get(1), "only PINGs before the handshake: " + PyWire.describe(m));
      assertArrayEquals(
          client.capabilities().encode(), m.get(2), "every PING announces the same capabilities");
      pingIds.add(m.get(0));
      if (pingIds.size() > 1) {
        router.send(m.get(0), PONG, m.get(2), m.get(3));
        answered = m.get(0);
      }
    }
    Await.result(started);
    long millis = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("handshake retry: connected after %d ms, %d PINGs%n", millis, pingIds.size());
    assertTrue(
        millis < connectTimeout.toMillis(),
        "connected within the connect timeout: " + millis + " ms");
    assertTrue(pingIds.size() > 1, "more than one PING: " + pingIds.size());
    HashSet<ByteBuffer> distinct = new HashSet<>();
    for (byte[] id : pingIds) {
      distinct.add(ByteBuffer.wrap(id));
    }
    assertEquals(
        pingIds.size(), distinct.size(), "each PING came on a fresh socket (its own routing id)");
    assertTrue(client.remote().capabilities().isLegacy());

    // The connection in use is the answered socket's.
    Map<String, Object> arg = new LinkedHashMap<>();
    arg.put("a", 1);
    arg.put("b", "two");
    arg.put("c", PyWire.ascii("three"));
    CompletableFuture<Object> result = client.invoke("echo", arg);
    List<byte[]> request = router.next();
    assertEquals(hex(answered), hex(request.get(0)), "the call goes over the answered socket");
    assertArrayEquals(UPPER, request.get(1));
    assertArrayEquals(REQUEST_HEADER, request.get(2));
    assertArrayEquals(REQUEST_BODY, request.get(3));
    router.send(request.get(0), UPPER, REPLY_HEADER, REPLY_BODY);
    assertEquals("two", ((Map<?, ?>) Await.result(result)).get("b"));
  }

  @Test
  void unreachableAddressFailsWithinTheConnectTimeout() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String address = "zmq+tcp://127.0.0.1:" + port;
    Duration connectTimeout = Duration.ofMillis(800);
    ConnectedPeer client = client(address, connectTimeout);
    long t0 = System.nanoTime();
    ConnectionLostException e = assertThrows(ConnectionLostException.class, client::start);
    long millis = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("unreachable: failed after %d ms: %s%n", millis, e.getMessage());
    assertTrue(e.getMessage().contains("cannot reach"), e.getMessage());
    assertTrue(e.getMessage().contains(address), e.getMessage());
    // The connector notices its deadline only at the next retry (see the disabled test below).
    assertTrue(
        millis < connectTimeout.toMillis() + RETRY.toMillis() + 500,
        "failed promptly: " + millis + " ms");
    assertThrows(ConnectionLostException.class, client::remote);
  }

  @Test
  void connectTimeoutShorterThanTheRetryIsHonoured() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Duration connectTimeout = Duration.ofMillis(300);
    ConnectedPeer client =
        closeLater(
            Peer.builder()
                .transport(new ZmqTransport())
                .connect("zmq+tcp://127.0.0.1:" + port)
                .connectTimeout(connectTimeout)
                .build());
    long t0 = System.nanoTime();
    ConnectionLostException e = assertThrows(ConnectionLostException.class, client::start);
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(e.getMessage().contains("cannot reach"), e.getMessage());
    assertTrue(
        millis < connectTimeout.toMillis() + 400,
        "start() took "
            + millis
            + " ms with a connect timeout of "
            + connectTimeout.toMillis()
            + " ms");
  }

  @Test
  void listenerThatNeverAnswersFailsWithAClearMessage() throws Exception {
    RawZmq router = closeLater(RawZmq.router()); // accepts connections, never reads
    Duration connectTimeout = Duration.ofMillis(800);
    ConnectedPeer client = client(router.callosumAddress(), connectTimeout);
    long t0 = System.nanoTime();
    ConnectionLostException e = assertThrows(ConnectionLostException.class, client::start);
    long millis = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("silent listener: failed after %d ms: %s%n", millis, e.getMessage());
    assertTrue(e.getMessage().contains("accepted the connection"), e.getMessage());
    assertTrue(e.getMessage().contains("no Callosum handshake answer"), e.getMessage());
    assertFalse(e.getMessage().contains("cannot reach"), e.getMessage());
    assertTrue(
        millis < connectTimeout.toMillis() + RETRY.toMillis() + 500,
        "failed promptly: " + millis + " ms");
  }

  @Test
  void twoJavaPeersExchangeCapabilities() {
    Peer server =
        closeLater(
            Peer.builder()
                .transport(new ZmqTransport())
                .bind("zmq+tcp://127.0.0.1:0")
                .name("server")
                .build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    ConnectedPeer client = client(server.address(), Duration.ofSeconds(5)).start();

    Capabilities seen = client.remote().capabilities();
    assertFalse(seen.isLegacy(), "a Java server is not legacy");
    assertTrue(seen.has(Capabilities.CHAIN), "a Java server announces chain");
    assertEquals(server.capabilities(), seen, "the PONG carries the server's own announcement");

    Await.until("the server knows the client", () -> server.remotes().size() == 1);
    Capabilities clientSeen = server.remotes().get(0).capabilities();
    assertEquals(client.capabilities(), clientSeen, "the PING carried the client's announcement");
    assertTrue(clientSeen.has(Capabilities.CHAIN));
    assertEquals("hi", client.invokeAndWait("echo", "hi"));
  }

  private Peer echoServer() {
    Peer server =
        closeLater(
            Peer.builder()
                .transport(new ZmqTransport())
                .bind("zmq+tcp://127.0.0.1:0")
                .name("server")
                .build());
    server.handle("echo", (ctx, body) -> body.value());
    return server.start();
  }

  private static byte[] echoBody(String s) {
    return PyWire.callBody(new MsgpackCodec().encode(s));
  }

  /** The next message of {@code kind} on {@code dealer}, skipping the server's PING probes. */
  private static List<byte[]> next(RawZmq dealer, String kind) {
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    while (System.nanoTime() < deadline) {
      List<byte[]> m = dealer.receive(100);
      if (m != null && new String(m.get(0), StandardCharsets.US_ASCII).equals(kind)) {
        return m;
      }
    }
    throw new AssertionError("no " + kind + " within " + Await.LIMIT);
  }

  /** No UPPER on {@code dealer} within {@code millis} (PING probes are fine). */
  private static void noUpper(RawZmq dealer, long millis) {
    long deadline = System.nanoTime() + millis * 1_000_000;
    while (System.nanoTime() < deadline) {
      List<byte[]> m = dealer.receive(20);
      assertTrue(
          m == null || !new String(m.get(0), StandardCharsets.US_ASCII).equals("UPPER"),
          "an UPPER arrived");
    }
  }

  /**
   * A reconnecting connector's queued requests can reach a restarted server before its PING: the
   * server first takes it for a Python peer. The PING that follows, announcing a Java peer, must
   * get the server's own announcement back (not the echo that tells a connector "legacy"), and
   * calls go on.
   */
  @Test
  void aPingAfterRequestsStillMakesTheConnectorKnown() {
    Peer server = echoServer();
    PyClient py = closeLater(PyClient.connect(server.address()));
    py.firstUpper(PyWire.header(1, "echo", PyWire.OKEY_NONE, 1, false), echoBody("early"));
    Await.until(
        "the server knows a legacy remote",
        () -> server.remotes().size() == 1 && server.remotes().get(0).capabilities().isLegacy());

    RawZmq dealer = py.raw();
    Capabilities mine = new Capabilities(Capabilities.VERSION, 42, Set.of(Capabilities.CHAIN));
    dealer.send(PyWire.PING, mine.encode(), PyWire.EMPTY);
    List<byte[]> pong = next(dealer, "PONG");
    assertEquals(
        server.capabilities(),
        Capabilities.decode(pong.get(1)),
        "the server announces itself, it does not echo");
    Await.until(
        "the server knows the remote as a Java peer",
        () -> server.remotes().size() == 1 && server.remotes().get(0).capabilities().equals(mine),
        () -> server.remotes().toString());

    dealer.send(
        PyWire.UPPER, PyWire.header(1, "echo", PyWire.OKEY_NONE, 2, false), echoBody("later"));
    assertEquals(2, PyWire.decodeHeader(next(dealer, "UPPER").get(1)).seq());
  }

  /** What a connector sends after its BYE does not bring it back as a (legacy) remote. */
  @Test
  void messagesAfterByeAreDropped() {
    Peer server = echoServer();
    PyClient py = closeLater(PyClient.connect(server.address()));
    py.firstUpper(PyWire.header(1, "echo", PyWire.OKEY_NONE, 1, false), echoBody("first"));
    RawZmq dealer = py.raw();
    Capabilities mine = new Capabilities(Capabilities.VERSION, 43, Set.of(Capabilities.CHAIN));
    dealer.send(PyWire.PING, mine.encode(), PyWire.EMPTY);
    next(dealer, "PONG");
    Await.until(
        "the server knows the remote as a Java peer",
        () -> server.remotes().size() == 1 && server.remotes().get(0).capabilities().equals(mine));
    dealer.send("BYE".getBytes(StandardCharsets.US_ASCII), PyWire.EMPTY, PyWire.EMPTY);
    Await.until("the server forgets the remote", () -> server.remotes().isEmpty());

    dealer.send(
        PyWire.UPPER, PyWire.header(1, "echo", PyWire.OKEY_NONE, 2, false), echoBody("late"));
    noUpper(dealer, 300);
    assertTrue(server.remotes().isEmpty(), "a request after BYE made a remote");

    // A new PING from the same connection is a fresh start.
    dealer.send(PyWire.PING, mine.encode(), PyWire.EMPTY);
    next(dealer, "PONG");
    dealer.send(
        PyWire.UPPER, PyWire.header(1, "echo", PyWire.OKEY_NONE, 3, false), echoBody("again"));
    assertEquals(3, PyWire.decodeHeader(next(dealer, "UPPER").get(1)).seq());
  }
}
