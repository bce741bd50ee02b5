package io.callosum.lower.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.OverloadedException;
import io.callosum.Peer;
import io.callosum.lower.tcp.testing.FreezableProxy;
import io.callosum.lower.tcp.testing.RawTcp;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.Resources;
import io.callosum.testing.Restarts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Losing the other side: calls in flight fail fast (closed server, silent server), calls issued
 * during an outage fail at once with "connection lost", the connector reconnects by itself (server
 * restarted on the same port, or a frozen path thawed), a remote that stops reading is cut off
 * alone, and open/close cycles release every thread and file descriptor.
 */
class TcpLossTest {
  private static final String BIND = "tcp://127.0.0.1:0";

  @RegisterExtension final Closer closer = new Closer();

  private Peer server(TcpTransport transport, String address) {
    Peer p = closer.later(Peer.builder().transport(transport).bind(address).name("server").build());
    p.handle("echo", (ctx, body) -> body.value());
    return p;
  }

  private ConnectedPeer client(TcpTransport transport, String address) {
    return closer.later(
        Peer.builder().transport(transport).connect(address).name("client").build().start());
  }

  /** A handler that blocks until cancelled, counting entries. */
  private static void blocking(Peer p, CountDownLatch entered) {
    CountDownLatch never = new CountDownLatch(1);
    p.handle(
        "block",
        (ctx, body) -> {
          entered.countDown();
          never.await();
          return null;
        });
  }

  @Test
  void callsInFlightFailFastWhenTheServerCloses() throws Exception {
    TcpOptions options =
        TcpOptions.defaults(); // heartbeat timeout 5 s: the loss must be seen long before
    Peer server = server(new TcpTransport(options), BIND);
    CountDownLatch entered = new CountDownLatch(2);
    blocking(server, entered);
    server.start();
    ConnectedPeer client = client(new TcpTransport(options), server.address());
    CompletableFuture<Object> first = client.invoke("block", 1);
    CompletableFuture<Object> second = client.call("block").orderKey("other").invoke(2);
    assertTrue(entered.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS), "both handlers run");
    long t0 = System.nanoTime();
    server.close();
    assertInstanceOf(ConnectionLostException.class, Await.failure(first));
    assertInstanceOf(ConnectionLostException.class, Await.failure(second));
    long millis = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("server closed: calls in flight failed %d ms after close() began%n", millis);
    assertTrue(
        millis < options.heartbeatTimeout().toMillis() / 2, "failed fast: " + millis + " ms");
    Throwable later = Await.failure(client.invoke("echo", "later"));
    assertInstanceOf(
        ConnectionLostException.class, later, "a new call fails at once while disconnected");
  }

  /**
   * A path that goes silent (a frozen proxy: the kernel still holds the connection, nothing moves)
   * is detected by heartbeats; calls in flight fail, calls during the outage fail at once, and the
   * client is served again once the path thaws.
   */
  @Test
  void silentPathIsDetectedAndTheClientResumesWhenItThaws() throws Exception {
    TcpOptions options =
        TcpOptions.builder()
            .heartbeat(Duration.ofMillis(100), Duration.ofMillis(600))
            .handshakeTimeout(Duration.ofMillis(500))
            .reconnect(Duration.ofMillis(50), Duration.ofMillis(200))
            .build();
    Peer server = server(new TcpTransport(options), BIND);
    CountDownLatch entered = new CountDownLatch(1);
    blocking(server, entered);
    server.start();
    FreezableProxy proxy = closer.later(new FreezableProxy(server.address()));
    ConnectedPeer client = client(new TcpTransport(options), proxy.address());
    assertEquals("up", client.invokeAndWait("echo", "up"));
    CompletableFuture<Object> inFlight =
        client.invoke("block", null); // no timeout: only the loss can end it
    assertTrue(entered.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));

    long t0 = System.nanoTime();
    proxy.freeze(true, true);
    assertInstanceOf(ConnectionLostException.class, Await.failure(inFlight));
    long detected = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf(
        "silent path: call in flight failed after %d ms (heartbeat timeout %d ms)%n",
        detected, options.heartbeatTimeout().toMillis());
    assertTrue(
        detected >= options.heartbeatTimeout().toMillis() - 50,
        "not before the timeout: " + detected);
    assertTrue(
        detected < options.heartbeatTimeout().toMillis() + 1_000,
        "soon after the timeout: " + detected);
    Await.until(
        "the server drops the silent client",
        () -> server.remotes().isEmpty(),
        () -> server.remotes().toString());

    // During the outage (reconnects reach the proxy but never complete a handshake), calls fail at
    // once.
    for (int i = 0; i < 3; i++) {
      long c0 = System.nanoTime();
      Throwable e = Await.failure(client.invoke("echo", "during"));
      assertInstanceOf(ConnectionLostException.class, e, String.valueOf(e));
      assertTrue((System.nanoTime() - c0) / 1_000_000 < 100, "failed fast while disconnected");
    }

    long t1 = System.nanoTime();
    proxy.freeze(false, false);
    Await.until(
        "the client is served again", () -> "after".equals(Restarts.echoOrNull(client, "after")));
    System.out.printf(
        "silent path: served again %d ms after the thaw%n", (System.nanoTime() - t1) / 1_000_000);
    assertEquals(1, server.remotes().size());
  }

  @Test
  void clientReconnectsToAServerRestartedOnTheSamePort() throws Exception {
    TcpOptions options =
        TcpOptions.builder().reconnect(Duration.ofMillis(20), Duration.ofMillis(200)).build();
    TcpTransport serverTransport = new TcpTransport(options);
    Peer first = server(serverTransport, BIND).start();
    String address = first.address();
    TcpTransport clientTransport = new TcpTransport(options);
    ConnectedPeer client = client(clientTransport, address);
    ConnectedPeer sibling =
        client(clientTransport, address); // a second channel on the same connection
    assertEquals("one", client.invokeAndWait("echo", "one"));

    first.close();
    Await.until(
        "the client sees the server gone",
        () -> client.remotes().isEmpty() && sibling.remotes().isEmpty());
    assertInstanceOf(
        ConnectionLostException.class,
        Await.failure(client.invoke("echo", "outage")),
        "fails at once during the outage");
    long t0 = System.nanoTime();
    Peer second =
        server(serverTransport, address).start(); // the port is free once close() returned
    assertEquals(address, second.address());
    Await.until(
        "a call succeeds over the reconnected client",
        () -> "two".equals(Restarts.echoOrNull(client, "two")));
    System.out.printf(
        "server restart: client served again %d ms after the rebind%n",
        (System.nanoTime() - t0) / 1_000_000);
    Await.until(
        "the sibling is served too", () -> "three".equals(Restarts.echoOrNull(sibling, "three")));
    assertEquals(2, second.remotes().size(), "both channels reopened");
    assertEquals(1, clientTransport.openConnections(), "still one connection");
  }

  /**
   * An idle connection hears a PING every heartbeat interval; answering with PONG keeps it up well
   * past the heartbeat timeout, and a remote that stops answering is dropped after it.
   */
  @Test
  void idleConnectionsExchangeHeartbeatsAndSilenceEndsThem() throws Exception {
    TcpOptions options =
        TcpOptions.builder().heartbeat(Duration.ofMillis(50), Duration.ofMillis(300)).build();
    Peer server = server(new TcpTransport(options), BIND).start();
    RawTcp raw = closer.later(RawTcp.connect(server.address())).handshake();
    raw.sendFrame(RawTcp.channelFrame(RawTcp.OPEN, 1, new byte[0]));
    assertEquals(RawTcp.OPENED, raw.readFrame()[0]);
    long t0 = System.nanoTime();
    int pings = 0;
    while (System.nanoTime() - t0 < 3 * options.heartbeatTimeout().toNanos()) {
      byte[] f = raw.readFrame();
      assertEquals(RawTcp.PING, f[0], "an idle server sends only heartbeats");
      pings++;
      raw.sendFrame(new byte[] {RawTcp.PONG});
    }
    assertTrue(
        pings >= 9, pings + " PINGs in " + 3 * options.heartbeatTimeout().toMillis() + " ms");
    assertEquals(1, server.remotes().size(), "answered heartbeats keep the connection up");
    long silent = System.nanoTime();
    Await.until("a remote that stops answering is dropped", () -> server.remotes().isEmpty());
    long millis = (System.nanoTime() - silent) / 1_000_000;
    assertTrue(millis < options.heartbeatTimeout().toMillis() + 1_000, millis + " ms");
  }

  @Test
  void serverForgetsAClientThatVanishes() throws Exception {
    Peer server = server(new TcpTransport(), BIND).start();
    RawTcp raw = closer.later(RawTcp.connect(server.address())).handshake();
    raw.sendFrame(RawTcp.channelFrame(RawTcp.OPEN, 1, new byte[0]));
    assertEquals(RawTcp.OPENED, raw.readFrame()[0]);
    Await.until("the server knows the client", () -> server.remotes().size() == 1);
    long t0 = System.nanoTime();
    raw.close();
    Await.until("the server drops the vanished client", () -> server.remotes().isEmpty());
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(
        millis < TcpOptions.defaults().heartbeatTimeout().toMillis(),
        "dropped before any heartbeat timeout: " + millis);
  }

  /** A remote that stops reading fills only its own backlog and is cut off; others are served. */
  @Test
  void aRemoteThatStopsReadingIsCutOffAlone() throws Exception {
    // Heartbeats every 200 ms (the stalled client still sends its own, so only the backlog can cut
    // it).
    TcpOptions options =
        TcpOptions.builder()
            .maxSendBacklog(1 << 20)
            .heartbeat(Duration.ofMillis(200), Duration.ofSeconds(60))
            .build();
    Peer server = server(new TcpTransport(options), BIND);
    server.handle("big", (ctx, body) -> new byte[256 << 10]);
    server.start();
    FreezableProxy proxy = closer.later(new FreezableProxy(server.address()));
    ConnectedPeer stalled = client(new TcpTransport(), proxy.address());
    ConnectedPeer good = client(new TcpTransport(), server.address());
    Await.until("the server knows both", () -> server.remotes().size() == 2);
    proxy.freeze(false, true); // requests still arrive, replies no longer leave the proxy
    // 256 KiB replies, far more than the socket buffers and the 1 MiB backlog: the server cuts the
    // remote once its backlog is full and it has taken nothing for a heartbeat interval.
    Await.until(
        "the server cuts the stalled remote",
        () -> {
          stalled.invoke("big", null);
          LockSupport.parkNanos(5_000_000);
          return server.remotes().size() == 1;
        },
        () -> server.remotes().toString());
    assertEquals("fine", good.invokeAndWait("echo", "fine"));
    assertEquals(256 << 10, ((byte[]) good.invokeAndWait("big", null)).length);
  }

  /** A sender that outpaces a remote that still reads gets backpressure, not a cut connection. */
  @Test
  void aSenderThatOutpacesAReadingRemoteIsPushedBackNotCut() throws Exception {
    Peer server = server(new TcpTransport(), BIND).start();
    TcpTransport fast = new TcpTransport(TcpOptions.builder().maxSendBacklog(300_000).build());
    ConnectedPeer client = client(fast, server.address());
    byte[] big =
        new byte[100_000]; // above the size senders write themselves: these queue for the loop
    List<CompletableFuture<Object>> calls = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      calls.add(client.invoke("echo", big));
    }
    int overloaded = 0;
    for (CompletableFuture<Object> c : calls) {
      try {
        assertEquals(big.length, ((byte[]) Await.result(c)).length);
      } catch (ExecutionException e) {
        assertInstanceOf(OverloadedException.class, e.getCause(), String.valueOf(e.getCause()));
        overloaded++;
      }
    }
    System.out.printf(
        "backpressure: %d of %d sends refused as overloaded%n", overloaded, calls.size());
    assertTrue(overloaded > 0, "the backlog limit pushed back");
    assertEquals("still", client.invokeAndWait("echo", "still"), "the connection stays");
    assertEquals(1, server.remotes().size());
  }

  // ------------------------------------------------------------------ releasing everything

  @Test
  void manyPeersOnOneTransportLeaveOnlyTheServer() {
    TcpTransport transport = new TcpTransport();
    Peer server = server(transport, BIND).start();
    assertEquals(1, transport.openEndpoints());
    try (ConnectedPeer warm =
        Peer.builder().transport(transport).connect(server.address()).build().start()) {
      warm.invokeAndWait("echo", "warm"); // classes, JIT, pools
    }
    Await.until("the warm-up client is gone", () -> server.remotes().isEmpty());
    int fdBefore = Resources.openFds();
    int threadsBefore = Thread.activeCount();
    for (int i = 0; i < 1000; i++) {
      try (ConnectedPeer client =
          Peer.builder().transport(transport).connect(server.address()).build().start()) {
        assertEquals(1, transport.openConnections());
        if (i % 10 == 0) {
          assertEquals(i, client.invokeAndWait("echo", i));
        }
      }
      assertEquals(0, transport.openConnections(), "after cycle " + i);
      assertEquals(1, transport.openEndpoints(), "after cycle " + i);
    }
    Await.until(
        "the server forgets its clients",
        () -> server.remotes().isEmpty(),
        () -> server.remotes().size() + " remotes");
    Await.until(
        "file descriptors and threads return to the baseline",
        () -> Resources.openFds() <= fdBefore + 2 && Thread.activeCount() <= threadsBefore + 1,
        () ->
            "fds "
                + Resources.openFds()
                + " (before "
                + fdBefore
                + "), threads "
                + Thread.activeCount()
                + " (before "
                + threadsBefore
                + ")");
    server.close();
    assertEquals(0, transport.openEndpoints(), "the I/O thread ends with the last endpoint");
  }

  @Test
  void serverAndClientCyclesReleaseFileDescriptorsAndThreads() {
    for (int i = 0; i < 5; i++) {
      cycle(i); // warm up: classes, JIT, lazily created JVM threads
    }
    int fdBefore = Resources.openFds();
    int threadsBefore = Thread.activeCount();
    long t0 = System.nanoTime();
    int cycles = 300;
    for (int i = 0; i < cycles; i++) {
      cycle(i);
    }
    long millis = (System.nanoTime() - t0) / 1_000_000;
    int fdPeak = Resources.openFds();
    Await.until(
        "file descriptors and threads return to the baseline",
        () -> Resources.openFds() <= fdBefore + 2 && Thread.activeCount() <= threadsBefore + 1,
        () ->
            "fds "
                + Resources.openFds()
                + " (before "
                + fdBefore
                + "), threads "
                + Thread.activeCount()
                + " (before "
                + threadsBefore
                + "): "
                + Thread.getAllStackTraces().keySet().stream()
                    .map(Thread::getName)
                    .sorted()
                    .toList());
    System.out.printf(
        "release: %d cycles (fresh transport, server + client, call, close) in %d ms (%.2f"
            + " ms/cycle); fds before %d, right after %d, settled %d%n",
        cycles, millis, (double) millis / cycles, fdBefore, fdPeak, Resources.openFds());
  }

  private static void cycle(int i) {
    TcpTransport transport = new TcpTransport();
    try (Peer server = Peer.builder().transport(transport).bind(BIND).build()) {
      server.handle("echo", (ctx, body) -> body.value());
      server.start();
      try (ConnectedPeer client =
          Peer.builder().transport(transport).connect(server.address()).build().start()) {
        assertEquals(i, client.invokeAndWait("echo", i));
      }
    }
    assertEquals(0, transport.openEndpoints(), "cycle " + i);
  }
}
