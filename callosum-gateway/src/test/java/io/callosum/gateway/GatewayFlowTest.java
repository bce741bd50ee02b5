package io.callosum.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.Body;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.StreamCall;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Flow control through two gateways: the streams' credit runs end to end, so a consumer behind A
 * that stops reading stops the producer behind B, and the gateways, which hold at most 4 MiB per
 * channel here (a channel past it would be closed), never come near it; a stalled stream does not
 * hold up the calls beside it on the same link.
 */
class GatewayFlowTest {
  private static final int ITEM = 64 << 10;
  private static final int WINDOW_ITEMS = 16;

  @RegisterExtension final Closer closer = new Closer();
  private Clusters clusters;
  private final AtomicInteger sent = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    clusters =
        Clusters.start(
            TcpOptions.defaults(),
            a -> a.maxChannelBuffer(4 << 20),
            b -> b.grant("A", "s*").maxChannelBuffer(4 << 20));
    Peer server =
        closer.later(Peer.builder().transport(clusters.viaB).bind("tunnel://B/s-producer").build());
    server.handle("echo", (ctx, body) -> body.value());
    server.handleStream(
        "produce",
        (ctx, body, up, down) -> {
          int n = ((Number) body.value()).intValue();
          byte[] item = new byte[ITEM];
          for (int i = 0; n < 0 || i < n; i++) {
            item[0] = (byte) i;
            down.send(item);
            sent.incrementAndGet();
          }
          return "sent " + n;
        });
    server.start();
  }

  @AfterEach
  void stop() {
    clusters.close();
  }

  private ConnectedPeer client() {
    return closer
        .later(
            Peer.builder()
                .transport(clusters.viaA)
                .connect("tunnel://B/s-producer")
                .streamWindow(WINDOW_ITEMS, (long) WINDOW_ITEMS * ITEM)
                .defaultTimeout(Await.LIMIT)
                .build())
        .start();
  }

  @Test
  void aSlowConsumerBehindOneGatewaySlowsTheProducerBehindTheOther() throws Exception {
    ConnectedPeer client = client();
    StreamCall call = client.call("produce").serverStream(400);
    Await.until("the producer has filled the window", () -> sent.get() >= WINDOW_ITEMS);
    Await.holds(
        "the producer waits for the stalled consumer",
        () -> sent.get() <= WINDOW_ITEMS + 1,
        Duration.ofMillis(300));
    for (int taken = 1; taken <= 400; taken++) {
      Body b = call.downstream().take();
      assertNotNull(b, "item " + taken);
      assertEquals((byte) (taken - 1), ((byte[]) b.value())[0]);
      int ahead = sent.get() - taken;
      assertTrue(
          ahead <= WINDOW_ITEMS + 1, "the producer is " + ahead + " items ahead of the consumer");
    }
    assertEquals("sent 400", Await.result(call.result()));
    assertEquals(0, clusters.a.status().refusals() + clusters.b.status().refusals());
  }

  @Test
  void aStalledStreamDoesNotHoldUpCallsBesideIt() throws Exception {
    ConnectedPeer client = client();
    ConnectedPeer other =
        closer
            .later(Peer.builder().transport(clusters.viaA).connect("tunnel://B/s-producer").build())
            .start();
    StreamCall stalled = client.call("produce").serverStream(-1);
    Await.until("the stalled stream has filled its window", () -> sent.get() >= WINDOW_ITEMS);
    for (int round = 0; round < 20; round++) {
      List<CompletableFuture<Object>> calls = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        calls.add((i % 2 == 0 ? client : other).invoke("echo", round * 64 + i));
      }
      for (int i = 0; i < 64; i++) {
        assertEquals(round * 64 + i, ((Number) Await.result(calls.get(i))).intValue());
      }
    }
    assertTrue(
        sent.get() <= WINDOW_ITEMS + 1,
        "the stalled stream stayed within its window: " + sent.get());
    for (int i = 0; i < 3 * WINDOW_ITEMS; i++) {
      assertNotNull(stalled.downstream().take(), "the stalled stream still flows");
    }
    stalled.cancel();
    assertEquals(4, clusters.a.status().channels(), "two channels, two legs each at A");
  }
}
