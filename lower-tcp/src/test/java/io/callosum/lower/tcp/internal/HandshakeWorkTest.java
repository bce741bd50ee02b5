package io.callosum.lower.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.AuthResult;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.Credential;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.ServerAuthenticator;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.lower.tcp.internal.curve.CurveSecurity;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server side of security handshakes under load: key agreement and authenticator calls on
 * separate bounded pools, so one slow authenticator does not hold up another client; at most K
 * handshakes per transport and a share per remote address, so a flood of replayed HELLOs from one
 * address leaves room for a legitimate client and bounded work; every thread ends with the
 * transport.
 */
class HandshakeWorkTest {
  /** Long enough that nothing here should come near it: a test that waits for it has failed. */
  private static final Duration HANDSHAKE = Duration.ofSeconds(5);

  /**
   * A second loopback address (all of 127/8 is local): the flood comes from it, the legitimate
   * client from 127.0.0.1.
   */
  private static final String FLOOD_SOURCE = "127.0.0.2";

  @RegisterExtension final Closer closer = new Closer();

  private final CurveKeyPair serverKeys = CurveKeyPair.generate();
  private final CurveKeyPair aliceKeys = CurveKeyPair.generate();
  private final CurveKeyPair slowKeys = CurveKeyPair.generate();
  private final AllowListAuthenticator allow = new AllowListAuthenticator("work", serverKeys);
  private final CountDownLatch inSlowCheck = new CountDownLatch(1);
  private final CountDownLatch releaseSlowCheck = new CountDownLatch(1);
  private final Set<String> checkThreads = ConcurrentHashMap.newKeySet();

  {
    allow.allow(aliceKeys.publicKey(), "alice");
    allow.allow(slowKeys.publicKey(), "slow");
  }

  /**
   * The allow list, except that the check of the slow key waits until the test releases it (or the
   * thread is interrupted).
   */
  private final ServerAuthenticator blockingForOneKey =
      new ServerAuthenticator() {
        @Override
        public String domain() {
          return allow.domain();
        }

        @Override
        public CurveKeyPair serverKeyPair() {
          return allow.serverKeyPair();
        }

        @Override
        public AuthResult checkClient(Credential credential) {
          checkThreads.add(Thread.currentThread().getName());
          if (credential.publicKey().equals(slowKeys.publicKey())) {
            inSlowCheck.countDown();
            try {
              releaseSlowCheck.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return AuthResult.reject();
            }
          }
          return allow.checkClient(credential);
        }
      };

  private Hub serverHub(ServerAuthenticator authenticator, TcpOptions.Builder options) {
    return new Hub(
        options.handshakeTimeout(HANDSHAKE).build(),
        NullSecurity::new,
        () -> CurveSecurity.server(authenticator));
  }

  private Peer server(Hub hub) {
    Peer p =
        closer.later(
            Peer.builder()
                .transport(hub)
                .bind("tcp://127.0.0.1:0")
                .defaultTimeout(Await.LIMIT)
                .build());
    p.handle("whoami", (ctx, body) -> ctx.identity().orElse("nobody"));
    return p.start();
  }

  private ConnectedPeer client(Peer server, CurveKeyPair keys) {
    TcpTransport t =
        new TcpTransport(
            TcpOptions.builder()
                .curveClient(ClientAuthenticator.of(serverKeys.publicKey(), keys))
                .build());
    return closer.later(
        Peer.builder()
            .transport(t)
            .connect(server.address())
            .connectTimeout(HANDSHAKE)
            .defaultTimeout(Await.LIMIT)
            .build());
  }

  @Test
  void aSlowAuthenticatorForOneClientDoesNotHoldUpAnotherClientsHandshake() throws Exception {
    Peer server = server(serverHub(blockingForOneKey, TcpOptions.builder()));
    Future<Object> slow =
        closer
            .executor("slow-client")
            .submit(() -> client(server, slowKeys).start().invokeAndWait("whoami", null));
    assertTrue(
        inSlowCheck.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS), "the slow check began");

    long t0 = System.nanoTime();
    assertEquals("alice", client(server, aliceKeys).start().invokeAndWait("whoami", null));
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertFalse(slow.isDone(), "alice got in while the slow client's check still waits");
    assertTrue(millis < HANDSHAKE.toMillis() / 2, "alice's connect took " + millis + " ms");

    releaseSlowCheck.countDown();
    assertEquals("slow", slow.get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
    assertTrue(
        checkThreads.stream().allMatch(n -> n.startsWith("callosum-tcp-auth-")),
        "checks ran on authenticator threads: " + checkThreads);
  }

  @Test
  void everyHandshakeThreadEndsWithTheTransportEvenWithAnAuthenticatorBlocked() throws Exception {
    Peer server = server(serverHub(blockingForOneKey, TcpOptions.builder()));
    assertEquals("alice", client(server, aliceKeys).start().invokeAndWait("whoami", null));
    closer.executor("slow-client").submit(() -> client(server, slowKeys).start());
    assertTrue(
        inSlowCheck.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS), "the slow check began");
    String authThread = checkThreads.iterator().next();
    String loop = authThread.substring("callosum-tcp-auth-".length(), authThread.lastIndexOf('-'));
    List<String> prefixes =
        List.of(
            "callosum-tcp-auth-" + loop + "-",
            "callosum-tcp-handshake-" + loop + "-",
            "callosum-tcp-io-" + loop);
    assertFalse(threadsNamed(prefixes).isEmpty(), "the pools are running");

    server.close(); // the transport's last endpoint: its loop, and with it both pools, end before
    // close returns
    assertEquals(List.of(), threadsNamed(prefixes), "no thread of the transport is left");
  }

  /** The hub's handshake work, made by its loop when it accepts the first secured connection. */
  private static HandshakeWork handshakeWork(Hub hub) {
    Await.until("the first secured connection was accepted", () -> hub.handshakeWork() != null);
    return hub.handshakeWork();
  }

  private static List<String> threadsNamed(List<String> prefixes) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(
            n ->
                prefixes.stream()
                    .anyMatch(p -> n.startsWith(p) && (p.endsWith("-") || n.equals(p))))
        .sorted()
        .toList();
  }

  @Test
  void aFloodOfReplayedHellosFromOneAddressLeavesRoomForALegitimateClientAndBoundsTheWork()
      throws Exception {
    int total = 8;
    int perAddress = 3;
    Hub hub =
        serverHub(allow, TcpOptions.builder().maxHandshakes(total, perAddress).handshakeThreads(1));
    Peer server = server(hub);
    // One real HELLO, replayed: it opens with the server's key, so each copy costs the server a
    // full key agreement.
    byte[] hello =
        CurveSecurity.client(
                ClientAuthenticator.of(serverKeys.publicKey(), CurveKeyPair.generate()))
            .start()
            .get(0);

    int flood = 30;
    List<FloodConnection> floods = new ArrayList<>();
    for (int i = 0; i < flood; i++) {
      floods.add(closer.later(new FloodConnection(server.address(), hello)));
    }
    HandshakeWork work = handshakeWork(hub);
    Await.until(
        "every flood connection was admitted or refused",
        () -> work.refused() + work.inProgress() >= flood,
        () -> "refused " + work.refused() + ", in progress " + work.inProgress());
    assertEquals(
        flood - perAddress,
        work.refused(),
        "all but the address's share were refused as they were accepted");
    assertEquals(
        perAddress, work.inProgress(), "the admitted ones wait for INITIATE, holding their places");

    long t0 = System.nanoTime();
    assertEquals("alice", client(server, aliceKeys).start().invokeAndWait("whoami", null));
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(
        millis < HANDSHAKE.toMillis() / 2,
        "the legitimate client's connect took " + millis + " ms");

    assertTrue(
        work.peakQueued() <= total,
        "handshake work waiting for a thread stayed within the bound: " + work.peakQueued());
    String refusal = floods.get(flood - 1).refusal();
    assertTrue(
        refusal.startsWith("too many security handshakes in progress from " + FLOOD_SOURCE),
        refusal);

    for (FloodConnection f : floods) {
      f.close();
    }
    Await.until(
        "places and per-address entries are given back",
        () -> work.inProgress() == 0 && work.addresses() == 0,
        () -> "in progress " + work.inProgress() + ", addresses " + work.addresses());
  }

  @Test
  void pastTheTotalEveryAddressIsRefusedUntilAPlaceIsFree() throws Exception {
    Hub hub = serverHub(allow, TcpOptions.builder().maxHandshakes(2, 2));
    Peer server = server(hub);
    byte[] hello =
        CurveSecurity.client(
                ClientAuthenticator.of(serverKeys.publicKey(), CurveKeyPair.generate()))
            .start()
            .get(0);
    FloodConnection a = closer.later(new FloodConnection(server.address(), hello));
    FloodConnection b = closer.later(new FloodConnection(server.address(), hello));
    HandshakeWork work = handshakeWork(hub);
    Await.until("both hold a place", () -> work.inProgress() == 2);

    String refusal = closer.later(new FloodConnection(server.address(), hello)).refusal();
    assertTrue(refusal.startsWith("too many security handshakes in progress (at most 2;"), refusal);
    a.close();
    b.close();
    Await.until("the places are free", () -> work.inProgress() == 0);
    assertEquals("alice", client(server, aliceKeys).start().invokeAndWait("whoami", null));
  }

  @Test
  void malformedCommandsAreRefusedBeforeAnyKeyAgreement() throws Exception {
    Hub hub = serverHub(allow, TcpOptions.builder());
    Peer server = server(hub);
    byte[] hello =
        CurveSecurity.client(
                ClientAuthenticator.of(serverKeys.publicKey(), CurveKeyPair.generate()))
            .start()
            .get(0);
    byte[] version2 = hello.clone();
    version2[6] = 2;
    byte[] welcome = hello.clone();
    welcome[0] = 7;
    System.arraycopy("WELCOME".getBytes(StandardCharsets.US_ASCII), 0, welcome, 1, 7);
    for (byte[] bad : List.of(version2, Arrays.copyOf(hello, 199), welcome)) {
      try (Socket raw = new Socket()) {
        URI u = URI.create(server.address());
        raw.connect(new InetSocketAddress(u.getHost(), u.getPort()));
        raw.setSoTimeout((int) Await.LIMIT.toMillis());
        byte[] frame = Wire.handshake(bad);
        raw.getOutputStream()
            .write(
                ByteBuffer.allocate(Wire.PREAMBLE_SIZE + 4 + frame.length)
                    .put(Wire.preamble("CURVE"))
                    .putInt(frame.length)
                    .put(frame)
                    .array());
        DataInputStream in = new DataInputStream(raw.getInputStream());
        in.readFully(new byte[Wire.PREAMBLE_SIZE]);
        try {
          assertEquals(-1, in.read(), "closed without a word");
        } catch (SocketException e) {
          // or reset
        }
      }
    }
    HandshakeWork work = handshakeWork(hub);
    assertEquals(0, work.handed(), "no malformed command reached a handshake thread");
    assertEquals("alice", client(server, aliceKeys).start().invokeAndWait("whoami", null));
    assertEquals(3, work.handed(), "HELLO, INITIATE and the admission decision");
  }

  /**
   * A raw connection from {@link #FLOOD_SOURCE} that sends the CURVE preamble and a HELLO, then
   * nothing: it holds a handshake place until the handshake timeout, unless it is refused at once.
   */
  private static final class FloodConnection implements AutoCloseable {
    private final Socket socket = new Socket();

    FloodConnection(String address, byte[] hello) throws IOException {
      URI u = URI.create(address);
      socket.bind(new InetSocketAddress(InetAddress.getByName(FLOOD_SOURCE), 0));
      socket.connect(new InetSocketAddress(u.getHost(), u.getPort()), (int) Await.LIMIT.toMillis());
      socket.setSoTimeout((int) Await.LIMIT.toMillis());
      byte[] frame = Wire.handshake(hello);
      socket
          .getOutputStream()
          .write(
              ByteBuffer.allocate(Wire.PREAMBLE_SIZE + 4 + frame.length)
                  .put(Wire.preamble("CURVE"))
                  .putInt(frame.length)
                  .put(frame)
                  .array());
    }

    /** The reason of the ABORT that refused this connection right after the server's preamble. */
    String refusal() throws IOException {
      DataInputStream in = new DataInputStream(socket.getInputStream());
      in.readFully(new byte[Wire.PREAMBLE_SIZE]);
      byte[] abort = new byte[in.readInt()];
      in.readFully(abort);
      assertEquals(Wire.ABORT, abort[0]);
      assertEquals(Wire.LIMIT, abort[1]);
      try {
        assertEquals(-1, in.read(), "then the server closes");
      } catch (SocketException e) {
        // or resets: it closed without reading the HELLO this side sent
      }
      return new String(abort, 2, abort.length - 2, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
