package io.callosum.lower.zmq;

import static io.callosum.lower.zmq.PyWire.CANCEL_BODY;
import static io.callosum.lower.zmq.PyWire.CANCEL_HEADER;
import static io.callosum.lower.zmq.PyWire.EMPTY;
import static io.callosum.lower.zmq.PyWire.OKEY_NONE;
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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.lower.Capabilities;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.upper.MsgpackCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Python Callosum's ZeroMQ wire format, byte for byte, without Python: a raw jeromq DEALER plays
 * Python's client against a Java server, and a raw jeromq ROUTER plays Python's server for a Java
 * client. The byte strings are the captures of WIRE-callosum-py.md section 11.
 */
class ZmqWireTest {
  private static final String BIND = "zmq+tcp://127.0.0.1:0";

  private final MsgpackCodec msgpack = new MsgpackCodec();
  @RegisterExtension final Closer closer = new Closer();
  private final ExecutorService background = closer.executor("zmq-wire-test-background");

  private <T extends AutoCloseable> T closeLater(T c) {
    return closer.later(c);
  }

  /** A Java server with echo, add, fail (ArithmeticException) and sleep (seconds) handlers. */
  private Peer server(ZmqOptions options) {
    ZmqTransport transport = new ZmqTransport(options);
    Peer p =
        closeLater(
            Peer.builder()
                .transport(transport)
                .bind(BIND)
                .name("server")
                .defaultTimeout(Await.LIMIT)
                .build());
    p.handle("echo", (ctx, body) -> body.value());
    p.handle(
        "add",
        (ctx, body) -> {
          Map<?, ?> m = (Map<?, ?>) body.value();
          return ((Number) m.get("a")).longValue() + ((Number) m.get("b")).longValue();
        });
    p.handle(
        "fail",
        (ctx, body) -> {
          int zero = ((Number) body.value()).intValue();
          return 1 / zero;
        });
    p.handle(
        "sleep",
        (ctx, body) -> {
          // The capture's `sleep` method: the CANCEL tests interrupt it long before it ends.
          Thread.sleep((long) (((Number) body.value()).doubleValue() * 1000));
          return null;
        });
    return p.start();
  }

  private Peer server() {
    return server(ZmqOptions.defaults());
  }

  private PyClient pyClient(Peer server) {
    return closeLater(PyClient.connect(server.address())).handshake();
  }

  private static void assertFrames(List<byte[]> actual, byte[]... expected) {
    assertEquals(expected.length, actual.size(), "frame count of " + PyWire.describe(actual));
    for (int i = 0; i < expected.length; i++) {
      assertEquals(hex(expected[i]), hex(actual.get(i)), "frame " + i);
    }
  }

  // =============================================================== (a) a Python client, Java
  // server

  @Test
  void pingIsAnsweredWithAnEmptyPongLikePython() {
    Peer server = server();
    PyClient py = pyClient(server); // sends exactly [PING, "", ""], requires exactly [PONG, "", ""]
    assertFrames(py.received().get(0), PONG, EMPTY, EMPTY);
    Await.until("the server knows the client", () -> server.remotes().size() == 1);
    assertTrue(
        server.remotes().get(0).capabilities().isLegacy(),
        "an empty PING announces a legacy client");
  }

  @Test
  void requestOfTheCaptureGetsTheReplyOfTheCaptureByteForByte() {
    PyClient py = pyClient(server());
    py.sendUpper(REQUEST_HEADER, REQUEST_BODY);
    assertFrames(py.nextUpper(), UPPER, REPLY_HEADER, REPLY_BODY);
    // Twice, to show nothing else came in between and seq is only echoed, not tracked.
    py.sendUpper(REQUEST_HEADER, REQUEST_BODY);
    assertFrames(py.nextUpper(), UPPER, REPLY_HEADER, REPLY_BODY);
  }

  @Test
  void cancelOfTheCaptureIsAnsweredWithCancelled() {
    PyClient py = pyClient(server());
    byte[] cancelTest = PyWire.msgpackStr("cancel-test");
    byte[] sleepHeader = PyWire.header(1, "sleep", cancelTest, 1, false);
    // The FUNCTION that the captured CANCEL cancels: same meth, okey and seq, only type 1.
    byte[] expectedFunction = CANCEL_HEADER.clone();
    expectedFunction[6] = 0x01;
    assertEquals(hex(expectedFunction), hex(sleepHeader));
    py.sendUpper(sleepHeader, PyWire.callBody(msgpack.encode(5)));
    py.sendUpper(CANCEL_HEADER, CANCEL_BODY);

    List<byte[]> reply = py.nextUpper();
    byte[] cancelledHeader = CANCEL_HEADER.clone();
    cancelledHeader[6] = 0x06; // {type:6, meth:"sleep", okey:"cancel-test", seq:1, zip:false}
    assertFrames(reply, UPPER, cancelledHeader, CANCEL_BODY);
    assertEquals("82 a4 6d 65 74 61 c4 01 90 a4 62 6f 64 79 c0", hex(reply.get(2)));

    // Exactly one reply: the next message answers the next call, not the cancelled sleep.
    py.sendUpper(
        PyWire.header(1, "echo", OKEY_NONE, 2, false), PyWire.callBody(msgpack.encode("after")));
    List<byte[]> next = py.nextUpper();
    PyWire.PyHeader h = PyWire.decodeHeader(next.get(1));
    assertEquals(2, h.type());
    assertEquals("echo", h.meth());
    assertEquals(2, h.seq());
    assertEquals("after", msgpack.decode(PyWire.decodeBody(next.get(2)).body(), Object.class));
  }

  @Test
  void failureCarriesNameReprTracebackAndNilBody() {
    PyClient py = pyClient(server());
    byte[] okey = PyWire.msgpackStr("k");
    py.sendUpper(PyWire.header(1, "fail", okey, 3, false), PyWire.callBody(msgpack.encode(0)));
    List<byte[]> reply = py.nextUpper();
    assertEquals(
        hex(PyWire.header(3, "fail", okey, 3, false)),
        hex(reply.get(1)),
        "FAILURE header echoes meth, okey, seq");
    PyWire.PyBody body = PyWire.decodeBody(reply.get(2));
    assertEquals(null, body.body());
    String[] meta = PyWire.errorMeta(body.meta());
    assertTrue(meta[0].contains("ArithmeticException"), meta[0]);
    assertTrue(meta[1].contains("/ by zero"), meta[1]);
    assertFalse(meta[2].isEmpty(), "traceback");
    assertTrue(hex(reply.get(2)).endsWith("a4 62 6f 64 79 c0"), "ends with \"body\": nil");
    assertEquals(0x82, reply.get(2)[0] & 0xff);
  }

  @Test
  void unknownMethodGetsAnErrorNeverSilence() {
    PyClient py = pyClient(server());
    py.sendUpper(
        PyWire.header(1, "no-such-method", OKEY_NONE, 4, false),
        PyWire.callBody(msgpack.encode("x")));
    List<byte[]> reply = py.nextUpper();
    assertEquals(hex(PyWire.header(4, "no-such-method", OKEY_NONE, 4, false)), hex(reply.get(1)));
    PyWire.PyBody body = PyWire.decodeBody(reply.get(2));
    assertEquals(null, body.body());
    String[] meta = PyWire.errorMeta(body.meta());
    assertFalse(meta[0].isEmpty());
    // And the server still serves this client afterwards.
    py.sendUpper(REQUEST_HEADER, REQUEST_BODY);
    assertFrames(py.nextUpper(), UPPER, REPLY_HEADER, REPLY_BODY);
  }

  @Test
  void compressedRequestOfTheCaptureIsAccepted() {
    PyClient py = pyClient(server());
    py.sendUpper(PyWire.header(1, "echo", OKEY_NONE, 5, true), PyWire.COMPRESSED_BODY);
    List<byte[]> reply = py.nextUpper();
    assertEquals(
        hex(PyWire.header(2, "echo", OKEY_NONE, 5, false)),
        hex(reply.get(1)),
        "the reply is not compressed");
    byte[] result = new byte[8 + 128];
    System.arraycopy(PyWire.hex("81 a4 62 6c 6f 62 d9 80"), 0, result, 0, 8); // {"blob": str8(128)}
    System.arraycopy(PyWire.ascii("ab".repeat(64)), 0, result, 8, 128);
    assertEquals(hex(PyWire.body(new byte[] {(byte) 0x90}, result)), hex(reply.get(2)));
  }

  @Test
  void requestWithoutPingIsServedToo() {
    Peer server = server();
    PyClient py = closeLater(PyClient.connect(server.address()));
    assertFrames(py.firstUpper(REQUEST_HEADER, REQUEST_BODY), UPPER, REPLY_HEADER, REPLY_BODY);
    assertTrue(server.remotes().get(0).capabilities().isLegacy());
  }

  @Test
  void oneSessionSeesOnlyPythonSafeMessages() {
    // Every call kind on one connection, each reply checked as Python would decode it.
    PyClient py =
        pyClient(
            server(
                ZmqOptions.defaults()
                    .withHeartbeat(Duration.ofMillis(100), Duration.ofSeconds(5))));
    Map<String, Object> add = new LinkedHashMap<>();
    add.put("a", 40);
    add.put("b", 2);
    py.sendUpper(
        PyWire.header(1, "add", OKEY_NONE, 0, false), PyWire.callBody(msgpack.encode(add)));
    py.sendUpper(PyWire.header(1, "fail", OKEY_NONE, 1, false), PyWire.callBody(msgpack.encode(0)));
    py.sendUpper(PyWire.header(1, "nope", OKEY_NONE, 2, false), PyWire.callBody(msgpack.encode(0)));
    py.sendUpper(
        PyWire.header(1, "sleep", PyWire.msgpackStr("cancel-test"), 1, false),
        PyWire.callBody(msgpack.encode(5)));
    py.sendUpper(CANCEL_HEADER, CANCEL_BODY);
    py.sendUpper(
        PyWire.header(1, "sleep", OKEY_NONE, 3, false), PyWire.callBody(msgpack.encode(0.3)));
    Map<Long, Integer> types = new LinkedHashMap<>();
    for (int i = 0; i < 5; i++) {
      PyWire.PyHeader h =
          PyWire.decodeHeader(py.nextUpper().get(1)); // nextUpper checks every message
      types.put(h.seq() * 10 + h.type(), h.type());
    }
    assertEquals(
        Map.of(0L * 10 + 2, 2, 1L * 10 + 3, 3, 2L * 10 + 4, 4, 1L * 10 + 6, 6, 3L * 10 + 2, 2),
        types);
    assertEquals(0, py.strayPongs(), "no PONG after the handshake");
    assertTrue(py.drain(150).isEmpty(), "nothing but one reply per call");
  }

  /**
   * A bound Java peer probes its remotes with PING every heartbeat interval (RouterEndpoint), also
   * Python ones. Python Callosum answers a PING with PONG at any time and the Java side ignores the
   * PONG, so this is harmless, but it is the one frame kind besides PONG/UPPER that a Python client
   * receives: it must then be exactly Python's own PING, and answering it must not change anything
   * else.
   */
  @Test
  void legacyClientsAreProbedOnlyWithPythonStylePings() {
    Peer server =
        server(ZmqOptions.defaults().withHeartbeat(Duration.ofMillis(50), Duration.ofSeconds(5)));
    PyClient py = pyClient(server);
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    while (py.probes() < 3 && System.nanoTime() < deadline) {
      assertTrue(py.drain(60).isEmpty(), "no UPPER without a call");
    }
    assertTrue(py.probes() >= 3, "probes: " + py.probes());
    py.sendUpper(REQUEST_HEADER, REQUEST_BODY);
    assertFrames(py.nextUpper(), UPPER, REPLY_HEADER, REPLY_BODY);
    assertEquals(1, server.remotes().size());
    assertTrue(server.remotes().get(0).isConnected());
  }

  // =============================================================== (b) a Python server, Java
  // client

  /** A Java client (not started) of the raw ROUTER. */
  private ConnectedPeer javaClient(RawZmq router) {
    ConnectedPeer client =
        closeLater(
            Peer.builder()
                .transport(new ZmqTransport())
                .connect(router.callosumAddress())
                .name("client")
                .connectTimeout(Duration.ofSeconds(5))
                .defaultTimeout(Await.LIMIT)
                .build());
    client.handle("echo", (ctx, body) -> body.value());
    return client;
  }

  /**
   * Starts {@code client} while the raw ROUTER answers its PINGs (the Java connector may retry on a
   * fresh socket, so every PING is answered until the client is up); returns the last PING, {@code
   * [routing id, PING, header, body]}, whose routing id is the live connection.
   */
  private List<byte[]> startAgainstLegacy(Peer client, RawZmq router, boolean echoPing)
      throws Exception {
    CompletableFuture<Peer> started = CompletableFuture.supplyAsync(client::start, background);
    List<byte[]> ping = null;
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    while (!started.isDone() && System.nanoTime() < deadline) {
      List<byte[]> m = router.receive(20);
      if (m == null) {
        continue;
      }
      assertEquals(4, m.size(), PyWire.describe(m));
      assertArrayEquals(
          PING, m.get(1), "the only frame kind a connecting client sends first is PING");
      ping = m;
      if (echoPing) {
        router.send(m.get(0), PONG, m.get(2), m.get(3)); // what Python does
      } else {
        router.send(m.get(0), PONG, EMPTY, EMPTY);
      }
    }
    Await.result(started);
    assertNotNull(ping, "a PING arrived");
    return ping;
  }

  @Test
  void javaClientSpeaksTheCapturedBytesToAPythonServer() throws Exception {
    RawZmq router = closeLater(RawZmq.router());
    ConnectedPeer client = javaClient(router);
    List<byte[]> ping = startAgainstLegacy(client, router, true);
    byte[] id = ping.get(0);

    // PING: the Java client's capabilities in the header frame, an empty body.
    assertArrayEquals(
        client.capabilities().encode(), ping.get(2), "PING header = our capabilities");
    assertArrayEquals(EMPTY, ping.get(3), "PING body is empty");
    Capabilities announced = Capabilities.decode(ping.get(2));
    assertEquals(Capabilities.VERSION, announced.version());
    assertEquals(client.capabilities().instanceId(), announced.instanceId());
    assertTrue(announced.has(Capabilities.CHAIN));
    // The echo of our own announcement marks a legacy server.
    assertTrue(client.remote().capabilities().isLegacy(), "an echoed PING means Python Callosum");

    Map<String, Object> arg = new LinkedHashMap<>();
    arg.put("a", 1);
    arg.put("b", "two");
    arg.put("c", PyWire.ascii("three"));
    CompletableFuture<Object> result = client.invoke("echo", arg);
    List<byte[]> request = router.next();
    assertFrames(request, id, UPPER, REQUEST_HEADER, REQUEST_BODY);

    router.send(id, UPPER, REPLY_HEADER, REPLY_BODY);
    Map<?, ?> back = (Map<?, ?>) Await.result(result);
    assertEquals(List.of("a", "b", "c"), List.copyOf(back.keySet()));
    assertEquals(1L, ((Number) back.get("a")).longValue());
    assertEquals("two", back.get("b"));
    assertArrayEquals(PyWire.ascii("three"), (byte[]) back.get("c"));
  }

  @Test
  void emptyPongAlsoMeansLegacy() throws Exception {
    RawZmq router = closeLater(RawZmq.router());
    ConnectedPeer client = javaClient(router);
    startAgainstLegacy(client, router, false);
    assertTrue(client.remote().capabilities().isLegacy(), "an empty PONG means Python Callosum");
    assertEquals(Capabilities.LEGACY, client.remote().capabilities());
  }

  @Test
  void javaClientSendsNoExtensionsToALegacyServerEvenFromHandlers() throws Exception {
    RawZmq router = closeLater(RawZmq.router());
    ConnectedPeer client = javaClient(router);
    // A handler that calls back the server that called it: to a Java server this carries chn.
    client.handle(
        "cb",
        (ctx, body) ->
            ctx.caller()
                .invoke("echo", body.value())
                .get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
    client.handle(
        "cbKeyed",
        (ctx, body) ->
            ctx.caller()
                .call("echo")
                .orderKey("k")
                .invoke(body.value())
                .get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
    byte[] id = startAgainstLegacy(client, router, true).get(0);
    List<List<byte[]>> captured = new ArrayList<>();

    // The server calls the client; the handler calls the server back; the server answers; the
    // client answers the first call.
    int serverSeq = 7;
    for (String method : List.of("cb", "cbKeyed")) {
      router.send(
          id,
          UPPER,
          PyWire.header(1, method, OKEY_NONE, serverSeq, false),
          PyWire.callBody(msgpack.encode("x" + serverSeq)));
      List<byte[]> callback = router.next();
      captured.add(callback);
      PyWire.PyHeader cb = PyWire.checkUpper(callback.get(2), callback.get(3));
      assertEquals(1, cb.type(), "a FUNCTION from inside the handler");
      assertEquals("echo", cb.meth());
      assertEquals(
          PyWire.HEADER_KEYS, cb.keys(), "exactly the five keys, in Python's order (no chn)");
      router.send(
          id,
          UPPER,
          PyWire.header(2, "echo", cb.okey(), cb.seq(), false),
          PyWire.body(new byte[] {(byte) 0x90}, msgpack.encode("echoed " + serverSeq)));
      List<byte[]> answer = router.next();
      captured.add(answer);
      PyWire.PyHeader a = PyWire.checkUpper(answer.get(2), answer.get(3));
      assertEquals(hex(PyWire.header(2, method, OKEY_NONE, serverSeq, false)), hex(answer.get(2)));
      assertEquals(
          "echoed " + serverSeq,
          msgpack.decode(PyWire.decodeBody(answer.get(3)).body(), Object.class));
      assertEquals(PyWire.HEADER_KEYS, a.keys());
      serverSeq++;
    }
    // A plain call, and the client's close: nothing else reaches the legacy server (no BYE).
    CompletableFuture<Object> plain = client.invoke("echo", "plain");
    List<byte[]> call = router.next();
    captured.add(call);
    PyWire.PyHeader p = PyWire.checkUpper(call.get(2), call.get(3));
    assertEquals(2, p.seq(), "the client's third call");
    router.send(
        id,
        UPPER,
        PyWire.header(2, "echo", p.okey(), p.seq(), false),
        PyWire.body(new byte[] {(byte) 0x90}, msgpack.encode("plain")));
    assertEquals("plain", Await.result(plain));
    client.close();
    List<byte[]> after;
    while ((after = router.receive(150)) != null) {
      captured.add(after);
    }
    for (List<byte[]> m : captured) {
      assertEquals(4, m.size(), PyWire.describe(m));
      assertTrue(
          Arrays.equals(UPPER, m.get(1)), "only UPPER after the handshake: " + PyWire.describe(m));
      PyWire.checkUpper(m.get(2), m.get(3));
    }
    assertEquals(5, captured.size(), "two callbacks, two answers, one call; nothing on close");
  }

  @Test
  void javaClientAnswersAPythonServersPing() throws Exception {
    // Python's server answers PING and so may a ROUTER probe; a Java client echoes it as PONG.
    RawZmq router = closeLater(RawZmq.router());
    ConnectedPeer client = javaClient(router);
    byte[] id = startAgainstLegacy(client, router, true).get(0);
    router.send(id, PING, EMPTY, EMPTY);
    List<byte[]> pong = router.next();
    assertFrames(pong, id, PONG, EMPTY, EMPTY);
    assertNotNull(client.remote());
  }
}
