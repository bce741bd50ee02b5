package io.callosum.lower.zmq;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.callosum.fanout.Delivery;
import io.callosum.fanout.PipelineReceiver;
import io.callosum.fanout.PipelineSender;
import io.callosum.lower.Transport;
import io.callosum.testing.Closer;
import io.callosum.testing.FanoutSuite;
import java.time.Duration;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Encrypted ZeroMQ fan-out runs over links whose ROUTER cuts off a remote with more than the
 * high-water mark of envelopes queued (10,000 by default). Queue capacities above it must not let
 * credit go that far: credit per link is capped at half the mark, and every item arrives.
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
    assertEquals(capacity, Probe.take(w, capacity), "items the worker got");
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

  /** FanoutSuite's take, reachable from here. */
  private static final class Probe extends FanoutSuite {
    static int take(PipelineReceiver r, int n) throws InterruptedException {
      return FanoutSuite.take(r, n).size();
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
