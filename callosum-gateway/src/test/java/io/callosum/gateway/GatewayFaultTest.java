package io.callosum.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Peer;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.lower.tcp.testing.FreezableProxy;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults between gateways: a link that goes silent is found by heartbeats, a restarted gateway is
 * noticed; calls in flight fail fast with "connection lost", the link comes back with backoff and
 * new calls succeed. Heartbeats are short (50 ms, lost after 300 ms) so nothing waits long.
 */
class GatewayFaultTest {
  private static final TcpOptions FAST =
      TcpOptions.builder()
          .heartbeat(Duration.ofMillis(50), Duration.ofMillis(300))
          .reconnect(Duration.ofMillis(20), Duration.ofMillis(200))
          .build();

  @RegisterExtension final Closer closer = new Closer();

  private Peer blockingServer(TcpTransport via, String address, CountDownLatch entered) {
    Peer p = closer.later(Peer.builder().transport(via).bind(address).build());
    p.handle("echo", (ctx, body) -> body.value());
    p.handle(
        "block",
        (ctx, body) -> {
          entered.countDown();
          new CountDownLatch(1)
              .await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS); // until the call is cancelled
          return "late";
        });
    return p.start();
  }

  private static boolean answers(ConnectedPeer client) {
    try {
      return "ok".equals(client.invoke("echo", "ok").get(2, TimeUnit.SECONDS));
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void aSilentLinkIsFoundByHeartbeatsAndComesBack() throws Exception {
    FreezableProxy proxy = closer.later(new FreezableProxy(tcpPlaceholder()));
    Clusters c =
        closer.later(Clusters.start(FAST, a -> a, b -> b.grant("A", "s*"), proxyTo(proxy)));
    CountDownLatch entered = new CountDownLatch(1);
    blockingServer(c.viaB, "tunnel://B/s1", entered);
    ConnectedPeer client =
        closer.later(Peer.builder().transport(c.viaA).connect("tunnel://B/s1").build()).start();
    assertEquals("ok", Await.result(client.invoke("echo", "ok")));
    CompletableFuture<Object> inFlight = client.invoke("block", null);
    assertTrue(entered.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));

    long t0 = System.nanoTime();
    proxy.freeze(true, true);
    Throwable failure = Await.failure(inFlight);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertInstanceOf(ConnectionLostException.class, failure);
    assertTrue(failure.getMessage().contains("was lost"), failure.getMessage());
    assertTrue(ms < 5_000, "failed after " + ms + " ms, not fast");
    Await.until("both gateways see the link down", () -> !c.a.linkUp("B") && !c.b.linkUp("A"));

    proxy.freeze(false, false);
    Await.until("B dials A again", () -> c.a.linkUp("B") && c.b.linkUp("A"));
    Await.until("new calls succeed", () -> answers(client));
  }

  @Test
  void aRestartedGatewayIsNoticedAndLinkedAgain() throws Exception {
    Clusters c = closer.later(Clusters.start(FAST, a -> a, b -> b.grant("A", "s*")));
    CountDownLatch entered = new CountDownLatch(1);
    blockingServer(c.viaB, "tunnel://B/s2", entered);
    ConnectedPeer client =
        closer.later(Peer.builder().transport(c.viaA).connect("tunnel://B/s2").build()).start();
    CompletableFuture<Object> inFlight = client.invoke("block", null);
    assertTrue(entered.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));

    GatewayConfig old = c.a.config();
    String local = c.a.localAddress();
    String links = c.a.linkAddress();
    c.a.close();
    assertInstanceOf(ConnectionLostException.class, Await.failure(inFlight));
    Await.until("B sees the link down", () -> !c.b.linkUp("A"));

    Gateway restarted =
        closer.later(
            Gateway.start(
                GatewayConfig.builder("A")
                    .listen(URI.create(local))
                    .linkListen(URI.create(links))
                    .keyPair(old.keyPair())
                    .allowGateway("B", c.keyB.publicKey())
                    .tcp(FAST)
                    .build()));
    Await.until("B dials the restarted A", () -> restarted.linkUp("B") && c.b.linkUp("A"));
    Await.until("new calls succeed", () -> answers(client));
  }

  @Test
  void aRestartedPrivateGatewayRegistersItsPeersAgain() throws Exception {
    Clusters c = closer.later(Clusters.start(FAST, a -> a, b -> b.grant("A", "s*")));
    CountDownLatch entered = new CountDownLatch(1);
    Peer server = blockingServer(c.viaB, "tunnel://B/s3", entered);
    ConnectedPeer client =
        closer.later(Peer.builder().transport(c.viaA).connect("tunnel://B/s3").build()).start();
    CompletableFuture<Object> inFlight = client.invoke("block", null);
    assertTrue(entered.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));

    GatewayConfig old = c.b.config();
    String local = c.b.localAddress();
    c.b.close();
    assertInstanceOf(ConnectionLostException.class, Await.failure(inFlight));
    Gateway restarted =
        closer.later(
            Gateway.start(
                GatewayConfig.builder("B")
                    .listen(URI.create(local))
                    .keyPair(old.keyPair())
                    .link("A", URI.create(c.a.linkAddress()), c.keyA.publicKey())
                    .grant("A", "s*")
                    .tcp(FAST)
                    .build()));
    Await.until("the restarted B links to A", () -> restarted.linkUp("A") && c.a.linkUp("B"));
    Await.until("the server registers again", () -> restarted.status().registered().contains("s3"));
    Await.until("new calls succeed", () -> answers(client));
    assertTrue(server.remotes().size() <= 1, "the old channel is gone: " + server.remotes());
  }

  private static String tcpPlaceholder() {
    return "tcp://127.0.0.1:1"; // replaced: the proxy is pointed at A once A is bound (see proxyTo)
  }

  private static UnaryOperator<String> proxyTo(FreezableProxy proxy) {
    return aLinkAddress -> {
      proxy.retarget(aLinkAddress);
      return proxy.address();
    };
  }
}
