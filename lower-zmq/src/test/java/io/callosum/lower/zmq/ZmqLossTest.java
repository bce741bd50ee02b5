package io.callosum.lower.zmq;

import static io.callosum.lower.zmq.PyWire.REPLY_BODY;
import static io.callosum.lower.zmq.PyWire.REPLY_HEADER;
import static io.callosum.lower.zmq.PyWire.REQUEST_BODY;
import static io.callosum.lower.zmq.PyWire.REQUEST_HEADER;
import static io.callosum.lower.zmq.PyWire.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Peer;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.Resources;
import io.callosum.testing.Restarts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Losing the other side: calls in flight fail fast, a client reconnects to a restarted server, a
 * server forgets clients that vanish without BYE, and open/close cycles release every endpoint,
 * file descriptor and thread.
 */
class ZmqLossTest {
  private static final String BIND = "zmq+tcp://127.0.0.1:0";

  @RegisterExtension final Closer closer = new Closer();

  private <T extends AutoCloseable> T closeLater(T c) {
    return closer.later(c);
  }

  private static BoundPeer.Builder server(ZmqTransport transport, String address) {
    return Peer.builder().transport(transport).bind(address).name("server");
  }

  private static BoundPeer withEcho(BoundPeer p) {
    p.handle("echo", (ctx, body) -> body.value());
    return p;
  }

  // --------------------------------------------------------------------- (a) calls in flight

  @Test
  void callsInFlightFailFastWhenTheServerGoesAway() throws Exception {
    ZmqOptions options =
        ZmqOptions.defaults(); // heartbeat timeout 5 s: the loss must be seen long before
    ZmqTransport transport = new ZmqTransport(options);
    Peer server = closeLater(withEcho(server(transport, BIND).build()));
    CountDownLatch entered = new CountDownLatch(2);
    CountDownLatch never = new CountDownLatch(1);
    server.handle(
        "block",
        (ctx, body) -> {
          entered.countDown();
          never.await(); // until cancelled (interrupted) by the server's close
          return null;
        });
    server.start();
    ConnectedPeer client =
        closeLater(
            Peer.builder()
                .transport(transport)
                .connect(server.address())
                .name("client")
                .build()
                .start());
    assertEquals("up", client.invokeAndWait("echo", "up"));
    CompletableFuture<Object> first = client.invoke("block", 1); // no timeout
    CompletableFuture<Object> second = client.call("block").orderKey("other").invoke(2);
    assertTrue(entered.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS), "both handlers run");

    long t0 = System.nanoTime();
    server.close();
    Throwable e1 = Await.failure(first);
    Throwable e2 = Await.failure(second);
    long millis = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf(
        "server gone: calls in flight failed %d ms after close() began (heartbeat timeout %d ms)%n",
        millis, options.heartbeatTimeout().toMillis());
    assertInstanceOf(ConnectionLostException.class, e1, String.valueOf(e1));
    assertInstanceOf(ConnectionLostException.class, e2, String.valueOf(e2));
    assertTrue(
        millis < options.heartbeatTimeout().toMillis() / 2, "failed fast: " + millis + " ms");
    Await.until(
        "the client forgets the server",
        () -> client.remotes().isEmpty(),
        () -> client.remotes().toString());
    Throwable later = Await.failure(client.invoke("echo", "later"));
    assertInstanceOf(
        ConnectionLostException.class, later, "a new call fails at once while disconnected");
  }

  // --------------------------------------------------------------------- (b) server restart

  @Test
  void clientReconnectsToAServerRestartedOnTheSamePort() throws Exception {
    ZmqTransport serverTransport = new ZmqTransport();
    Peer first = closeLater(withEcho(server(serverTransport, BIND).build()).start());
    String address = first.address();
    assertTrue(
        address.matches("zmq\\+tcp://127\\.0\\.0\\.1:\\d+") && !address.endsWith(":0"), address);
    ConnectedPeer client =
        closeLater(
            Peer.builder()
                .transport(new ZmqTransport())
                .connect(address)
                .name("client")
                .build()
                .start());
    assertEquals("one", client.invokeAndWait("echo", "one"));

    first.close();
    Await.until("the client sees the server gone", () -> client.remotes().isEmpty());
    long t0 = System.nanoTime();
    Peer second =
        closeLater(Restarts.bindAgain(() -> withEcho(server(serverTransport, address).build())));
    assertEquals(address, second.address());

    // The client reconnects by itself: calls with short timeouts succeed again within a bounded
    // wait.
    int[] tries = {0};
    Await.until(
        "a call succeeds over the reconnected client",
        () -> {
          tries[0]++;
          return "two".equals(Restarts.echoOrNull(client, "two"));
        });
    long millis = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf(
        "server restart: client served again %d ms after the rebind (%d tries)%n",
        millis, tries[0]);
    Await.until(
        "the new server sees the client",
        () -> second.remotes().size() == 1,
        () -> second.remotes().toString());
    assertTrue(second.remotes().get(0).isConnected());
    assertEquals(1, client.remotes().size());
    assertEquals("three", client.invokeAndWait("echo", "three"));
  }

  // --------------------------------------------------------------------- (c) vanished clients

  /** A Python client connects and vanishes (no BYE): the server drops it, and keeps serving. */
  @Test
  void serverDropsAVanishedClientAndKeepsServing() throws Exception {
    ZmqOptions options =
        ZmqOptions.defaults().withHeartbeat(Duration.ofMillis(100), Duration.ofSeconds(5));
    Peer server = closeLater(withEcho(server(new ZmqTransport(options), BIND).build()).start());
    PyClient gone = closeLater(PyClient.connect(server.address())).handshake();
    PyClient stays = closeLater(PyClient.connect(server.address())).handshake();
    Await.until("the server knows both clients", () -> server.remotes().size() == 2);

    long t0 = System.nanoTime();
    gone.close(); // LINGER 0, no goodbye: Python Callosum has no BYE
    Await.until(
        "the server drops the vanished client",
        () -> server.remotes().size() < 2,
        () -> server.remotes().toString());
    System.out.printf(
        "vanished client dropped after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    assertEquals(
        1, server.remotes().size(), "only the vanished client is dropped, the other one stays");

    // The server still serves the remaining client and new ones.
    stays.sendUpper(REQUEST_HEADER, REQUEST_BODY);
    List<byte[]> reply = stays.nextUpper();
    assertEquals(hex(REPLY_HEADER), hex(reply.get(1)));
    assertEquals(hex(REPLY_BODY), hex(reply.get(2)));
    PyClient late = closeLater(PyClient.connect(server.address())).handshake();
    late.sendUpper(REQUEST_HEADER, REQUEST_BODY);
    assertEquals(hex(REPLY_BODY), hex(late.nextUpper().get(2)));
    assertEquals(2, server.remotes().size());
  }

  /**
   * A vanished Python client is dropped within a bounded time. Note: today this holds only because
   * the probe that meets the gone routing id kills the whole I/O loop (which then drops every
   * remote); {@link #serverDropsAVanishedClientAndKeepsServing} checks that the server survives.
   */
  @Test
  void serverForgetsAClientThatVanishesWithoutBye() {
    ZmqOptions options = ZmqOptions.defaults();
    Peer server = closeLater(withEcho(server(new ZmqTransport(options), BIND).build()).start());
    PyClient py = closeLater(PyClient.connect(server.address())).handshake();
    py.sendUpper(REQUEST_HEADER, REQUEST_BODY);
    assertEquals(hex(REPLY_BODY), hex(py.nextUpper().get(2)));
    Await.until("the server knows the client", () -> server.remotes().size() == 1);
    long t0 = System.nanoTime();
    py.close();
    Await.until(
        "the server drops the vanished client",
        () -> server.remotes().isEmpty(),
        () -> server.remotes().toString());
    long millis = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("vanished client dropped after %d ms%n", millis);
    assertTrue(
        millis < options.heartbeatTimeout().toMillis(),
        "dropped before any heartbeat timeout: " + millis + " ms");
  }

  /**
   * Clients vanishing together cost a few probes, not two per connection: a probe PINGs every
   * remote, and with thousands of remotes one per vanished connection keeps the loop busy
   * (docs/PERFORMANCE.md, ZeroMQ at 10,000 connections). Every vanished client is still dropped.
   */
  @Test
  void clientsVanishingTogetherCostAFewProbes() {
    ZmqOptions options = // no periodic look at the remotes within the test
        ZmqOptions.defaults().withHeartbeat(Duration.ofSeconds(60), Duration.ofSeconds(120));
    Peer server = closeLater(withEcho(server(new ZmqTransport(options), BIND).build()).start());
    PyClient stays = closeLater(PyClient.connect(server.address())).handshake();
    List<PyClient> vanishing = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      vanishing.add(closeLater(PyClient.connect(server.address())).handshake());
    }
    Await.until("the server knows every client", () -> server.remotes().size() == 31);

    for (PyClient c : vanishing) {
      c.close(); // LINGER 0, no goodbye
    }
    Await.until(
        "the server drops every vanished client",
        () -> server.remotes().size() == 1,
        () -> server.remotes().size() + " remotes");
    stays.drain(300); // reads (and answers) the probes' PINGs
    System.out.printf("30 clients vanished: %d probes%n", stays.probes());
    assertTrue(
        stays.probes() < vanishing.size(),
        "probes shared by the disconnects (two each before): " + stays.probes());
  }

  // --------------------------------------------------------------------- (d) releasing everything

  @Test
  void clientCyclesOnOneTransportLeaveOnlyTheServerEndpoint() {
    ZmqTransport transport = new ZmqTransport();
    assertEquals(0, transport.openEndpoints());
    Peer server = closeLater(withEcho(server(transport, BIND).build()).start());
    assertEquals(1, transport.openEndpoints());
    for (int i = 0; i < 200; i++) {
      try (ConnectedPeer client =
          Peer.builder().transport(transport).connect(server.address()).build().start()) {
        assertEquals(2, transport.openEndpoints());
        assertEquals(i, client.invokeAndWait("echo", i));
      }
      assertEquals(1, transport.openEndpoints(), "after cycle " + i);
    }
    Await.until(
        "the server forgets its clients",
        () -> server.remotes().isEmpty(),
        () -> server.remotes().size() + " remotes");
    server.close();
    assertEquals(0, transport.openEndpoints(), "the context ends with the last endpoint");
  }

  @Test
  void serverAndClientCyclesReleaseFileDescriptorsAndThreads() throws Exception {
    for (int i = 0; i < 5; i++) {
      cycle(i); // warm up: classes, JIT, lazily created JVM threads
    }
    System.gc();
    int fdBefore = Resources.openFds();
    int threadsBefore = liveThreads();
    int tasksBefore = Resources.osThreads();
    long t0 = System.nanoTime();
    int cycles = 1000;
    for (int i = 0; i < cycles; i++) {
      cycle(i);
    }
    long millis = (System.nanoTime() - t0) / 1_000_000;
    int fdPeak = Resources.openFds();
    int threadsPeak = liveThreads();
    int fdTolerance = 4;
    int threadTolerance = 2;
    Await.until(
        "file descriptors and threads return to the baseline",
        () -> {
          System.gc(); // selectors and pipes of closed sockets
          return Resources.openFds() <= fdBefore + fdTolerance
              && liveThreads() <= threadsBefore + threadTolerance;
        },
        () ->
            "fds "
                + Resources.openFds()
                + " (before "
                + fdBefore
                + "), threads "
                + liveThreads()
                + " (before "
                + threadsBefore
                + "): "
                + Thread.getAllStackTraces().keySet().stream()
                    .map(Thread::getName)
                    .sorted()
                    .toList());
    int fdAfter = Resources.openFds();
    int threadsAfter = liveThreads();
    int tasksAfter = Resources.osThreads();
    System.out.printf(
        "release: %d cycles of (server + client open, call, close both, fresh ZmqTransport) in %d"
            + " ms (%.1f ms/cycle)%n",
        cycles, millis, (double) millis / cycles);
    System.out.printf(
        "release: open fds before %d, right after %d, settled %d; live Java threads before %d,"
            + " right after %d, settled %d; OS threads (/proc/self/task) before %d, settled %d%n",
        fdBefore,
        fdPeak,
        fdAfter,
        threadsBefore,
        threadsPeak,
        threadsAfter,
        tasksBefore,
        tasksAfter);
  }

  private static void cycle(int i) {
    ZmqTransport transport = new ZmqTransport();
    try (Peer server = withEcho(server(transport, BIND).build()).start();
        ConnectedPeer client =
            Peer.builder().transport(transport).connect(server.address()).build().start()) {
      assertEquals(i, client.invokeAndWait("echo", i));
    }
    assertEquals(0, transport.openEndpoints(), "cycle " + i);
  }

  private static int liveThreads() {
    return Thread.getAllStackTraces().size();
  }
}
