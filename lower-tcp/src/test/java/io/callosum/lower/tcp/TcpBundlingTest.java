package io.callosum.lower.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Peer;
import io.callosum.RemotePeer;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bundling: every peer that connects through one transport to one address rides one TCP connection
 * on its own channel, with its own remote at the server; calls go both ways on every channel, and
 * closing one channel leaves the others alone.
 */
class TcpBundlingTest {
  @RegisterExtension final Closer closer = new Closer();

  private Peer server(TcpTransport transport, String address) {
    Peer p =
        closer.later(
            Peer.builder()
                .transport(transport)
                .bind(address)
                .name("server")
                .defaultTimeout(Await.LIMIT)
                .build());
    p.handle("echo", (ctx, body) -> body.value());
    // Calls the caller back on its own channel while serving it.
    p.handle("callback", (ctx, body) -> ctx.caller().invoke("whoami", null).get());
    return p.start();
  }

  private ConnectedPeer client(TcpTransport transport, String address, String name) {
    ConnectedPeer p =
        closer.later(
            Peer.builder()
                .transport(transport)
                .connect(address)
                .name(name)
                .defaultTimeout(Await.LIMIT)
                .build());
    p.handle("whoami", (ctx, body) -> name);
    return p.start();
  }

  /** The remote socket address that a server-side link id names ("tcp-N(host:port#channel)"). */
  private static String connectionOf(RemotePeer r) {
    String id = r.id();
    return id.substring(id.indexOf('(') + 1, id.indexOf('#'));
  }

  @Test
  void peersShareOneConnectionAndEachIsCalledBackOnItsOwnChannel() throws Exception {
    Peer server = server(new TcpTransport(), "tcp://127.0.0.1:0");
    TcpTransport shared = new TcpTransport();
    List<ConnectedPeer> clients = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      clients.add(client(shared, server.address(), "client-" + i));
    }
    assertEquals(1, shared.openConnections(), "one TCP connection for every peer of the transport");
    assertEquals(6, server.remotes().size(), "one remote per channel");
    Set<String> connections =
        server.remotes().stream().map(TcpBundlingTest::connectionOf).collect(Collectors.toSet());
    assertEquals(1, connections.size(), "all channels arrive on one connection: " + connections);

    List<CompletableFuture<Object>> calls = new ArrayList<>();
    for (int round = 0; round < 20; round++) {
      for (ConnectedPeer c : clients) {
        calls.add(c.invoke("callback", null));
      }
    }
    for (int i = 0; i < calls.size(); i++) {
      assertEquals(
          "client-" + (i % clients.size()),
          Await.result(calls.get(i)),
          "call " + i + " was called back on its own channel");
    }
    // The server also calls each client directly.
    for (RemotePeer r : server.remotes()) {
      assertTrue(((String) r.invoke("whoami", null).get()).startsWith("client-"));
    }
  }

  @Test
  void closingOneChannelLeavesTheOthersWorking() throws Exception {
    Peer server = server(new TcpTransport(), "tcp://127.0.0.1:0");
    TcpTransport shared = new TcpTransport();
    ConnectedPeer a = client(shared, server.address(), "a");
    ConnectedPeer b = client(shared, server.address(), "b");
    ConnectedPeer c = client(shared, server.address(), "c");
    CompletableFuture<Object> inFlight = c.invoke("callback", null);
    b.close();
    assertEquals("c", Await.result(inFlight));
    Await.until(
        "the server drops b's channel",
        () -> server.remotes().size() == 2,
        () -> server.remotes().toString());
    assertEquals("a", a.invokeAndWait("callback", null));
    assertEquals("c", c.invokeAndWait("callback", null));
    assertThrows(ConnectionLostException.class, () -> b.invokeAndWait("echo", 1));
    assertEquals(1, shared.openConnections());

    ConnectedPeer d = client(shared, server.address(), "d"); // a new channel on the same connection
    assertEquals("d", d.invokeAndWait("callback", null));
    assertEquals(
        1, server.remotes().stream().map(TcpBundlingTest::connectionOf).distinct().count());

    a.close();
    c.close();
    d.close();
    assertEquals(0, shared.openConnections(), "the last channel closes the connection");
    assertEquals(0, shared.openEndpoints(), "and the transport's I/O thread");
    Await.until("the server drops every channel", () -> server.remotes().isEmpty());
  }

  /**
   * Messages of every size from many threads at once, on several channels of one connection: the
   * direct writes of senders, the unwritten tails they leave and the loop's batched writes keep
   * every frame whole and in order.
   */
  @Test
  void concurrentSendersOfAllSizesKeepFramesWhole() throws Exception {
    Peer server = server(new TcpTransport(), "tcp://127.0.0.1:0");
    TcpTransport shared = new TcpTransport();
    List<ConnectedPeer> clients =
        List.of(client(shared, server.address(), "p"), client(shared, server.address(), "q"));
    int[] sizes = {0, 1, 100, 8 << 10, 60 << 10, 64 << 10, 65 << 10, 200 << 10};
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> senders = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        ConnectedPeer c = clients.get(t % 2);
        int seed = t;
        senders.add(
            pool.submit(
                () -> {
                  List<CompletableFuture<Object>> calls = new ArrayList<>();
                  List<byte[]> sent = new ArrayList<>();
                  for (int i = 0; i < 200; i++) {
                    byte[] b = new byte[sizes[(i + seed) % sizes.length]];
                    Arrays.fill(b, (byte) (i * 31 + seed));
                    sent.add(b);
                    calls.add(c.invoke("echo", b));
                  }
                  for (int i = 0; i < calls.size(); i++) {
                    Assertions.assertArrayEquals(
                        sent.get(i), (byte[]) Await.result(calls.get(i)), "call " + i);
                  }
                  return null;
                }));
      }
      for (Future<?> f : senders) {
        f.get(Await.LIMIT.toMillis() * 3, TimeUnit.MILLISECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void eachAddressHasItsOwnConnectionAndTransportsDoNotShare() {
    TcpTransport serverSide = new TcpTransport();
    Peer s1 = server(serverSide, "tcp://127.0.0.1:0");
    Peer s2 = server(serverSide, "tcp://127.0.0.1:0");
    TcpTransport shared = new TcpTransport();
    client(shared, s1.address(), "x");
    client(shared, s2.address(), "y");
    client(shared, s1.address(), "z");
    assertEquals(2, shared.openConnections());
    client(new TcpTransport(), s1.address(), "w");
    assertEquals(3, s1.remotes().size());
    assertEquals(2, s1.remotes().stream().map(TcpBundlingTest::connectionOf).distinct().count());
  }

  @Test
  void ipv6LiteralsAndHostNamesWork() throws Exception {
    Assumptions.assumeTrue(ipv6Loopback(), "no IPv6 loopback here");
    Peer server = server(new TcpTransport(), "tcp://[::1]:0");
    assertTrue(
        server.address().matches("tcp://\\[::1\\]:\\d+") && !server.address().endsWith(":0"),
        server.address());
    assertEquals(
        "v6", client(new TcpTransport(), server.address(), "c").invokeAndWait("echo", "v6"));

    Peer v4 = server(new TcpTransport(), "tcp://127.0.0.1:0");
    String port = v4.address().substring(v4.address().lastIndexOf(':') + 1);
    assertEquals(
        "name",
        client(new TcpTransport(), "tcp://localhost:" + port, "n").invokeAndWait("echo", "name"));
  }

  private static boolean ipv6Loopback() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void badAddressesAreRefusedWithTheExpectedForm() {
    TcpTransport t = new TcpTransport();
    for (String bad :
        new String[] {
          "tcp://127.0.0.1", "tcp://:5000", "tcp://127.0.0.1:5000/path", "tcp://127.0.0.1:99999"
        }) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> Peer.builder().transport(t).connect(bad).build().start(),
              bad);
      assertTrue(e.getMessage().contains("tcp://host:port"), e.getMessage());
    }
    assertEquals(0, t.openEndpoints());
  }

  @Test
  void unreachableAndUnresolvableAddressesFailAtOnce() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    TcpTransport t = new TcpTransport();
    long t0 = System.nanoTime();
    ConnectionLostException refused =
        assertThrows(
            ConnectionLostException.class,
            () -> Peer.builder().transport(t).connect("tcp://127.0.0.1:" + port).build().start());
    assertTrue(
        refused.getMessage().contains("cannot reach tcp://127.0.0.1:" + port),
        refused.getMessage());
    assertTrue(
        (System.nanoTime() - t0) / 1_000_000 < 2_000,
        "refused at once, not at the connect timeout");
    ConnectionLostException unknown =
        assertThrows(
            ConnectionLostException.class,
            () ->
                Peer.builder()
                    .transport(t)
                    .connect("tcp://no-such-host.invalid:1")
                    .build()
                    .start());
    assertTrue(unknown.getMessage().contains("cannot resolve"), unknown.getMessage());
    assertEquals(0, t.openEndpoints());
    assertEquals(0, t.openConnections());
    assertNotEquals(0, port);
  }
}
