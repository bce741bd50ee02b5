package io.callosum.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Peer;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A gateway's graceful shutdown: it refuses new channels and relays those open until their peers
 * close them, then terminates; shutdownNow() closes what is still open.
 */
class GatewayShutdownTest {
  @RegisterExtension final Closer closer = new Closer();

  /** A server behind gateway B with a {@code slow} method that waits for {@code release}. */
  private BoundPeer server(Clusters c, CountDownLatch entered, CountDownLatch release) {
    BoundPeer server = closer.later(Peer.builder().transport(c.viaB).bind("tunnel://B/s1").build());
    server.handle("echo", (ctx, body) -> body.value());
    server.handle(
        "slow",
        (ctx, body) -> {
          entered.countDown();
          assertTrue(release.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
          return "done";
        });
    return server.start();
  }

  @Test
  void openChannelsAreRelayedUntilTheyCloseAndNewOnesAreRefused() throws Exception {
    Clusters c = closer.later(Clusters.start(TcpOptions.defaults()));
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server(c, entered, release);
    ConnectedPeer client =
        closer.later(Peer.builder().transport(c.viaA).connect("tunnel://B/s1").build()).start();
    CompletableFuture<Object> slow = client.invoke("slow", null);
    assertTrue(entered.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));

    c.a.shutdown();
    ConnectedPeer late =
        closer.later(
            Peer.builder()
                .transport(c.viaA)
                .connect("tunnel://B/s1")
                .connectTimeout(Duration.ofSeconds(5))
                .build());
    ConnectionLostException refused = assertThrows(ConnectionLostException.class, late::start);
    assertTrue(refused.getMessage().contains("shutting down"), refused.getMessage());
    TcpTransport fresh =
        new TcpTransport(TcpOptions.builder().gateway(URI.create(c.a.localAddress())).build());
    assertThrows(
        ConnectionLostException.class,
        () ->
            Peer.builder()
                .transport(fresh)
                .connect("tunnel://B/s1")
                .connectTimeout(Duration.ofSeconds(5))
                .build()
                .start(),
        "the gateway no longer listens");

    release.countDown();
    assertEquals("done", Await.result(slow), "the call in flight is relayed to its end");
    assertEquals("still here", Await.result(client.invoke("echo", "still here")));
    assertFalse(c.a.awaitTermination(Duration.ZERO), "a channel is open");
    client.close();
    assertTrue(c.a.awaitTermination(Await.LIMIT), "the last channel closed");
    assertTrue(c.a.isTerminated());
  }

  @Test
  void shutdownNowClosesTheChannelsStillOpen() throws Exception {
    Clusters c = closer.later(Clusters.start(TcpOptions.defaults()));
    CountDownLatch entered = new CountDownLatch(1);
    server(c, entered, new CountDownLatch(1));
    ConnectedPeer client =
        closer.later(Peer.builder().transport(c.viaA).connect("tunnel://B/s1").build()).start();
    CompletableFuture<Object> slow = client.invoke("slow", null);
    assertTrue(entered.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
    c.a.shutdown();
    assertFalse(c.a.awaitTermination(Duration.ofMillis(50)), "the channel stays open");
    c.a.shutdownNow();
    assertTrue(c.a.awaitTermination(Await.LIMIT));
    assertInstanceOf(ConnectionLostException.class, Await.failure(slow));
  }
}
