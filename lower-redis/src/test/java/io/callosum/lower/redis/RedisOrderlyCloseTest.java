package io.callosum.lower.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.FanoutSender;
import io.callosum.lower.redis.testing.RedisServer;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An endpoint's orderly close is not a lost connection: closing a bound peer, a connected peer or a
 * pipeline worker (each ends its blocking read by closing that connection, then leaves its group)
 * logs no "lost the connection to Redis", nor does the peer that stays. Each did, with the lost
 * event that goes with the line (SessionLossTest checks the event); a lost Redis still is reported
 * (SessionLossTest, RedisRestartTest). A Redis server of its own per test: its port tells its lines
 * from those of other tests.
 */
class RedisOrderlyCloseTest {
  private static final Duration AFTER = Duration.ofMillis(300);

  @RegisterExtension final Closer closer = new Closer();
  private final RedisTransport transport = new RedisTransport(RedisTests.options());

  @BeforeAll
  static void logs() {
    LogLines.install();
  }

  @Test
  public void closingABoundPeerIsNoLoss() throws Exception {
    closeOneOfTwoPeers(true);
  }

  @Test
  public void closingAConnectedPeerIsNoLoss() throws Exception {
    closeOneOfTwoPeers(false);
  }

  @Test
  public void closingAPipelineWorkerAndItsSenderIsNoLoss() throws Exception {
    RedisServer redis = closer.later(RedisTests.ownRedis());
    URI address = URI.create(redis.address("work"));
    FanoutConfig config = new FanoutConfig(FanoutPattern.PIPELINE, false, 1000, 1 << 20);
    CountingListener listener = new CountingListener(Integer.MAX_VALUE);
    FanoutReceiver worker =
        closer.later(transport.openReceiver(address, config, List.of(), listener));
    FanoutSender sender = closer.later(transport.openSender(address, config, () -> {}));
    byte[] bytes = "x".getBytes(StandardCharsets.US_ASCII);
    Await.until("an item sent", () -> sender.offer(new FanoutItem(bytes, bytes, bytes)));
    Await.until("the item delivered", () -> listener.items.get() == 1);

    long mark = LogLines.mark();
    worker.close();
    sender.close();
    assertNoLoss(mark, redis, "closing the worker and the sender");
  }

  /**
   * A bound and a connected peer that called once; closes one of them (the bound one with {@code
   * bound}), whose close the other is told of, and no loss is logged.
   */
  private void closeOneOfTwoPeers(boolean bound) throws Exception {
    RedisServer redis = closer.later(RedisTests.ownRedis());
    BoundPeer server =
        closer.later(Peer.builder().transport(transport).bind(redis.address("calls")).build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    ConnectedPeer client =
        closer.later(
            Peer.builder().transport(transport).connect(redis.address("calls")).build().start());
    assertEquals("hi", client.invokeAndWait("echo", "hi"));

    Peer closing = bound ? server : client;
    Peer staying = bound ? client : server;
    long mark = LogLines.mark();
    closing.close();
    Await.until("the other peer told", () -> staying.remotes().isEmpty());
    assertNoLoss(mark, redis, "closing the " + (bound ? "bound" : "connected") + " peer");
  }

  /** No "lost the connection" line of {@code redis} since {@code mark}, nor a while after. */
  private static void assertNoLoss(long mark, RedisServer redis, String what) {
    Await.holds(what + " logs no lost connection", () -> lost(mark, redis).isEmpty(), AFTER);
    assertEquals(List.of(), lost(mark, redis), what);
  }

  private static List<String> lost(long mark, RedisServer redis) {
    return LogLines.warnings(
        mark, "lost the connection to Redis at 127.0.0.1:" + redis.port() + ";");
  }
}
