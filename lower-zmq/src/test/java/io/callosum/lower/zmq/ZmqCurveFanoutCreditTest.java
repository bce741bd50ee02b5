package io.callosum.lower.zmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.fanout.BroadcastReceiver;
import io.callosum.fanout.Broadcaster;
import io.callosum.fanout.Delivery;
import io.callosum.fanout.ItemReceiver;
import io.callosum.fanout.PipelineReceiver;
import io.callosum.fanout.PipelineSender;
import io.callosum.lower.Transport;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.FanoutSuite;
import java.time.Duration;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Encrypted ZeroMQ fan-out runs over links whose ROUTER cuts off a remote with more than the
 * high-water mark of envelopes queued (10,000 by default). Credit per link is capped at half the
 * mark of its endpoint, whose mark is raised to twice the queue capacity when that is more: so
 * queue capacities above the transport's mark neither let credit overfill a queue nor drop a burst
 * of a queue's worth, and every item arrives.
 */
class ZmqCurveFanoutCreditTest {
  @RegisterExtension final Closer closer = new Closer();

  @Test
  void aWorkerWithAQueueAboveTheHighWaterMarkGetsEveryItem() throws Exception {
    ZmqTransport t =
        CurveTransports.serverAndClient("credit-fanout"); // default high-water mark: 10,000
    int capacity = 30_000;
    PipelineSender s =
        closer.later(
            PipelineSender.builder()
                .transport(t)
                .bind("zmq+tcp://127.0.0.1:0")
                .queueCapacity(capacity)
                .build());
    PipelineReceiver w =
        closer.later(
            PipelineReceiver.builder()
                .transport(t)
                .connect(s.address())
                .queueCapacity(capacity)
                .build());
    for (int i = 0; i < capacity; i++) {
      s.send("t", i, Duration.ofSeconds(20));
    }
    assertEquals(capacity, Probe.taken(w, capacity), "items the worker got");
  }

  /**
   * After more items than the high-water mark, the worker still gets new ones (it was never cut
   * off).
   */
  @Test
  void aWorkerDroppedByTheRouterRecovers() throws Exception {
    ZmqTransport t = CurveTransports.serverAndClient("credit-fanout-2");
    int capacity = 30_000;
    PipelineSender s =
        closer.later(
            PipelineSender.builder()
                .transport(t)
                .bind("zmq+tcp://127.0.0.1:0")
                .queueCapacity(capacity)
                .build());
    PipelineReceiver w =
        closer.later(
            PipelineReceiver.builder()
                .transport(t)
                .connect(s.address())
                .queueCapacity(capacity)
                .build());
    for (int i = 0; i < capacity; i++) {
      s.send("t", i, Duration.ofSeconds(20));
    }
    int got = 0;
    while (w.poll(Duration.ofSeconds(2)) != null) {
      got++;
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    Delivery d = null;
    while (d == null && System.nanoTime() < deadline) {
      s.offer("after", 1);
      d = w.poll(Duration.ofMillis(500));
    }
    Assertions.assertNotNull(d, "after " + got + " items the worker gets nothing any more");
  }

  /**
   * A publisher's burst of a whole queue's worth, three times half the transport's mark, reaches a
   * subscriber that keeps it all (its queue holds the burst; it takes nothing meanwhile): with
   * credit capped at half the transport's mark, all but 5,000 were dropped for it.
   */
  @Test
  void aBurstOfAQueuesWorthReachesASubscriberThatHoldsIt() throws Exception {
    ZmqTransport t = CurveTransports.serverAndClient("credit-broadcast");
    int capacity = 15_000;
    Broadcaster b =
        closer.later(
            Broadcaster.builder()
                .transport(t)
                .bind("zmq+tcp://127.0.0.1:0")
                .queueCapacity(capacity)
                .build());
    BroadcastReceiver r =
        closer.later(
            BroadcastReceiver.builder()
                .transport(t)
                .connect(b.address())
                .queueCapacity(capacity)
                .build());
    Probe.joined(b, "sync", r);
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    for (int i = 0; i < capacity; i++) {
      // false: the loop has not yet sent the items before it (the publisher tries again)
      while (!b.publish("t", i)) {
        assertTrue(System.nanoTime() < deadline, "published " + i + " of " + capacity + " in time");
        Thread.onSpinWait();
      }
    }
    assertEquals(capacity, Probe.taken(r, capacity), "items the subscriber got");
  }

  /** FanoutSuite's take and join, reachable from here. */
  private static final class Probe extends FanoutSuite {
    static int taken(ItemReceiver r, int n) throws InterruptedException {
      return FanoutSuite.take(r, n).size();
    }

    static void joined(Broadcaster b, String topic, BroadcastReceiver r)
        throws InterruptedException {
      FanoutSuite.join(b, topic, r);
    }

    @Override
    protected Transport transport() {
      throw new UnsupportedOperationException();
    }

    @Override
    protected String bindAddress() {
      throw new UnsupportedOperationException();
    }
  }
}
