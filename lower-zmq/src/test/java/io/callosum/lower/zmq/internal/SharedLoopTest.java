package io.callosum.lower.zmq.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.zmq.ZmqOptions;
import io.callosum.testing.Await;
import io.callosum.testing.LinkRecorder;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * One I/O loop serves every socket of a transport: many connected peers cost no thread each, an
 * idle transport's loop does not wake, a burst of sends is one hand-off, and the socket limit is
 * reported as such.
 */
class SharedLoopTest {
  private static final URI ANY = URI.create("zmq+tcp://127.0.0.1:0");

  /** Heartbeats and probes out of the way: an idle minute has nothing to do. */
  private static final ZmqOptions QUIET =
      ZmqOptions.defaults().withHeartbeat(Duration.ofSeconds(60), Duration.ofSeconds(120));

  private static TransportConfig config() {
    return new TransportConfig(Capabilities.LEGACY, 4 << 20, Duration.ofSeconds(5));
  }

  private static long threads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(prefix))
        .count();
  }

  private static boolean alive(String threadName) {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals(threadName));
  }

  @Test
  void manyConnectedPeersShareOneLoopThread() throws Exception {
    SharedContext shared = new SharedContext(1, 1_000);
    long before = Thread.getAllStackTraces().size();
    RouterEndpoint server = RouterEndpoint.bind(shared, ANY, config(), new LinkRecorder(), QUIET);
    List<Endpoint> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 100; i++) {
        clients.add(
            DealerEndpoint.connect(
                shared, URI.create(server.address()), config(), new LinkRecorder(), QUIET));
      }
      long added = Thread.getAllStackTraces().size() - before;
      // One loop, jeromq's I/O thread and reaper: not a thread per peer.
      assertTrue(added <= 4, "threads added for a server and 100 clients: " + added);
      assertEquals(1, threads("callosum-zmq-io-"), "one loop thread");
    } finally {
      clients.forEach(Endpoint::close);
      server.close();
    }
    Await.until("the context ends with its last endpoint", () -> shared.users() == 0);
    Await.until("the loop thread ends", () -> threads("callosum-zmq-io-") == 0);
  }

  /**
   * A loop that stalls past the heartbeat timeout (a long GC pause, an overloaded machine) does not
   * take its remotes for gone when it runs again: it asks them first, and they answer. Both ends
   * share the stalled loop, so both were silent to each other for the whole stall.
   */
  @Test
  void aStalledLoopAsksBeforeItDropsAnyone() throws Exception {
    ZmqOptions brisk =
        ZmqOptions.defaults().withHeartbeat(Duration.ofMillis(100), Duration.ofMillis(600));
    SharedContext shared = new SharedContext(1, 1_000);
    LinkRecorder serverLinks = new LinkRecorder();
    LinkRecorder clientLinks = new LinkRecorder();
    RouterEndpoint server = RouterEndpoint.bind(shared, ANY, config(), serverLinks, brisk);
    Endpoint client = null;
    try {
      client =
          DealerEndpoint.connect(
              shared, URI.create(server.address()), config(), clientLinks, brisk);
      Await.until("the server knows the client", () -> serverLinks.events.contains("connected"));
      CountDownLatch resumed = new CountDownLatch(1);
      shared
          .loop()
          .post(
              () -> {
                // the stall under test: the loop thread does nothing for 2.5 timeouts
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1_500));
                resumed.countDown();
              });
      assertTrue(resumed.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS), "the stall ended");
      Await.holds(
          "neither end drops the other",
          () ->
              !serverLinks.events.contains("disconnected")
                  && !clientLinks.events.contains("disconnected"),
          Duration.ofMillis(1_200));
    } finally {
      if (client != null) {
        client.close();
      }
      server.close();
    }
  }

  @Test
  void anIdleLoopSleeps() throws Exception {
    SharedContext shared = new SharedContext(1, 1_000);
    RouterEndpoint server = RouterEndpoint.bind(shared, ANY, config(), new LinkRecorder(), QUIET);
    List<Endpoint> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 10; i++) {
        clients.add(
            DealerEndpoint.connect(
                shared, URI.create(server.address()), config(), new LinkRecorder(), QUIET));
      }
      IoLoop loop = shared.loop();
      Thread.sleep(200); // the handshakes' last signals
      long woken = loop.wakeups();
      Thread.sleep(1_000);
      long idle = loop.wakeups() - woken;
      // Before, every connector's loop ticked every 50 ms: 10 peers, 200 wake-ups a second.
      assertTrue(idle <= 2, "wake-ups of an idle loop with 11 sockets in 1 s: " + idle);
    } finally {
      clients.forEach(Endpoint::close);
      server.close();
    }
  }

  /**
   * A bound endpoint that collects the bodies it receives and one connected endpoint, on one
   * context's single loop.
   */
  private static final class Pair implements AutoCloseable {
    final SharedContext shared = new SharedContext(1, 1_000);
    final List<String> received = new CopyOnWriteArrayList<>();
    final RouterEndpoint server;
    final DealerEndpoint client;
    final Link link;

    Pair() throws IOException {
      LinkRecorder serverSide =
          new LinkRecorder() {
            @Override
            public void received(Link link, Envelope e) {
              received.add(new String(e.body(), StandardCharsets.US_ASCII));
            }
          };
      server = RouterEndpoint.bind(shared, ANY, config(), serverSide, QUIET);
      LinkRecorder clientSide = new LinkRecorder();
      try {
        client =
            DealerEndpoint.connect(
                shared, URI.create(server.address()), config(), clientSide, QUIET);
      } catch (IOException | RuntimeException e) {
        server.close();
        throw e;
      }
      link = clientSide.links.peek();
    }

    IoLoop loop() {
      return shared.loop();
    }

    /** Sends message {@code i}, its body the number's digits. */
    void send(int i) {
      link.send(
          new Envelope(new byte[] {1}, Integer.toString(i).getBytes(StandardCharsets.US_ASCII)));
    }

    @Override
    public void close() {
      client.close();
      server.close();
    }
  }

  @Test
  void aBurstOfSendsIsOneHandOff() throws Exception {
    try (Pair p = new Pair()) {
      IoLoop loop = p.loop();
      CountingLatch paused = new CountingLatch();
      loop.post(paused::block); // the loop is busy while the burst is handed over
      paused.awaitBlocked();
      long woken = loop.handOffWakeups();
      for (int i = 0; i < 1_000; i++) {
        p.send(i);
      }
      paused.release();
      Await.until(
          "the server has every message",
          () -> p.received.size() == 1_000,
          () -> p.received.size() + " received");
      for (int i = 0; i < 1_000; i++) {
        assertEquals(Integer.toString(i), p.received.get(i), "in order");
      }
      // Counted are the wake-ups that hand-offs cost; the loop also wakes as the server's socket
      // becomes readable, as often as jeromq's I/O thread hands the messages on.
      assertTrue(
          loop.handOffWakeups() - woken <= 3,
          "hand-off wake-ups for a burst of 1,000 sends: " + (loop.handOffWakeups() - woken));
    }
  }

  @Test
  void aSendWhileTheLoopSleepsGoesOutWithoutWakingIt() throws Exception {
    try (Pair p = new Pair()) {
      IoLoop loop = p.loop();
      long woken = loop.handOffWakeups();
      long entered = loop.entries();
      for (int i = 0; i < 100; i++) {
        Await.until("the loop sleeps", loop::sleeps);
        p.send(i);
        int sent = i + 1;
        Await.until("the server has message " + i, () -> p.received.size() == sent);
      }
      for (int i = 0; i < 100; i++) {
        assertEquals(Integer.toString(i), p.received.get(i), "in order");
      }
      // Each send found the loop asleep and went into the socket on this thread. A few may race
      // with a wake-up of the loop for something else (jeromq's own commands) and be handed over.
      long handedOver = loop.handOffWakeups() - woken;
      assertTrue(handedOver <= 5, "sends that woke the sleeping loop: " + handedOver);
      assertTrue(
          loop.entries() - entered >= 95,
          "sends made on this thread: " + (loop.entries() - entered));
    }
  }

  /**
   * Replies sent by other threads (a handler pool) while requests keep arriving: a send takes the
   * signal of messages that came meanwhile, and the thread that sent looks for them before it
   * leaves the loop asleep. Nothing may stall.
   */
  @Test
  void messagesThatArriveWhileAnotherThreadSendsAreRead() throws Exception {
    SharedContext shared = new SharedContext(1, 1_000);
    ExecutorService handlers = Executors.newFixedThreadPool(2);
    LinkRecorder serverSide =
        new LinkRecorder() {
          @Override
          public void received(Link link, Envelope e) {
            handlers.execute(() -> link.send(e));
          }
        };
    RouterEndpoint server = RouterEndpoint.bind(shared, ANY, config(), serverSide, QUIET);
    AtomicInteger replies = new AtomicInteger();
    Semaphore inFlight = new Semaphore(8);
    LinkRecorder clientSide =
        new LinkRecorder() {
          @Override
          public void received(Link link, Envelope e) {
            replies.incrementAndGet();
            inFlight.release();
          }
        };
    DealerEndpoint client =
        DealerEndpoint.connect(shared, URI.create(server.address()), config(), clientSide, QUIET);
    try {
      Link link = clientSide.links.peek();
      int total = 5_000;
      for (int i = 0; i < total; i++) {
        assertTrue(
            inFlight.tryAcquire(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS),
            "a reply within the limit; " + replies.get() + " of " + i + " came");
        link.send(new Envelope(new byte[] {1}, new byte[] {(byte) i}));
      }
      Await.until("every reply", () -> replies.get() == total, () -> replies.get() + " replies");
      assertTrue(shared.loop().entries() > 0, "some replies were sent by the handler threads");
    } finally {
      client.close();
      server.close();
      handlers.shutdownNow();
    }
  }

  @Test
  void theSocketLimitIsNamedWhenReached() throws Exception {
    SharedContext shared = new SharedContext(1, 3); // a bound peer and two connectors
    RouterEndpoint server = RouterEndpoint.bind(shared, ANY, config(), new LinkRecorder(), QUIET);
    List<Endpoint> clients = new ArrayList<>();
    try {
      clients.add(
          DealerEndpoint.connect(
              shared, URI.create(server.address()), config(), new LinkRecorder(), QUIET));
      clients.add(
          DealerEndpoint.connect(
              shared, URI.create(server.address()), config(), new LinkRecorder(), QUIET));
      IOException e =
          assertThrows(
              IOException.class,
              () ->
                  clients.add(
                      DealerEndpoint.connect(
                          shared,
                          URI.create(server.address()),
                          config(),
                          new LinkRecorder(),
                          QUIET)));
      assertTrue(
          e.getMessage().contains("already holds 3 sockets")
              && e.getMessage().contains("maxSockets"),
          e.getMessage());
      assertEquals(3, shared.users(), "the failed connector gave its use of the context back");
    } finally {
      clients.forEach(Endpoint::close);
      server.close();
    }
    Await.until("the context ends with its last endpoint", () -> shared.users() == 0);
  }

  @Test
  void theContextOutlivesItsLastEndpointForTheIdleTimeout() throws Exception {
    SharedContext shared = new SharedContext(1, 100, 2_000);
    RouterEndpoint first = RouterEndpoint.bind(shared, ANY, config(), new LinkRecorder(), QUIET);
    String loop = shared.loop().name();
    first.close();
    assertEquals(0, shared.users());
    assertTrue(alive(loop), "the loop outlives the last endpoint");
    RouterEndpoint second = RouterEndpoint.bind(shared, ANY, config(), new LinkRecorder(), QUIET);
    try {
      assertEquals(loop, shared.loop().name(), "an endpoint opened meanwhile reuses it");
    } finally {
      second.close();
    }
    Await.until("the loop ends once idle for the timeout", () -> !alive(loop));
    RouterEndpoint third = RouterEndpoint.bind(shared, ANY, config(), new LinkRecorder(), QUIET);
    try {
      assertTrue(!shared.loop().name().equals(loop), "a later endpoint starts a fresh context");
    } finally {
      third.close();
    }
  }

  @Test
  void aClosedBoundPeerRefusesConnectionsAtOnceThoughItsContextLivesOn() throws Exception {
    SharedContext shared = new SharedContext(1, 100, 60_000);
    RouterEndpoint keep = RouterEndpoint.bind(shared, ANY, config(), new LinkRecorder(), QUIET);
    try {
      for (int i = 0; i < 20; i++) {
        RouterEndpoint server =
            RouterEndpoint.bind(shared, ANY, config(), new LinkRecorder(), QUIET);
        int port = URI.create(server.address().substring("zmq+".length())).getPort();
        server.close();
        assertThrows(
            ConnectException.class,
            () -> new Socket(InetAddress.getLoopbackAddress(), port).close(),
            "port " + port + " still listens after its endpoint closed");
      }
    } finally {
      keep.close();
    }
  }

  /** Holds the loop thread until released. */
  private static final class CountingLatch {
    private final CountDownLatch blocked = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    void block() {
      blocked.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void awaitBlocked() throws InterruptedException {
      assertTrue(
          blocked.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS), "the loop ran the pause");
    }

    void release() {
      release.countDown();
    }
  }
}
