package io.callosum.lower.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.Payload;
import io.callosum.fanout.BroadcastReceiver;
import io.callosum.fanout.Broadcaster;
import io.callosum.fanout.Delivery;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A broadcast burst larger than the publisher's send backlog: receivers that keep up (they read,
 * only slower than the publisher publishes) lose nothing. The publisher is told to try again
 * ({@code publish} false, the item sent to nobody) while the backlog of their connection is full,
 * instead of the item being dropped for them.
 */
class TcpFanoutBacklogTest {
  @RegisterExtension final Closer closer = new Closer();

  private static final int RECEIVERS = 4;
  private static final int ITEMS = 2_000;

  @Test
  void receiversThatKeepUp_loseNothingToABurstBeyondTheBacklog() throws Exception {
    // 16 KiB of backlog holds a few dozen of these frames: the burst overfills it many times.
    TcpTransport publisherSide =
        new TcpTransport(TcpOptions.builder().maxSendBacklog(16 << 10).build());
    TcpTransport receiverSide = new TcpTransport(); // its I/O thread ends with its last endpoint
    Broadcaster publisher =
        closer.later(
            Broadcaster.builder()
                .transport(publisherSide)
                .bind("tcp://127.0.0.1:0")
                .queueCapacity(ITEMS)
                .build());
    List<BroadcastReceiver> receivers = new ArrayList<>();
    for (int i = 0; i < RECEIVERS; i++) {
      receivers.add(
          closer.later(
              BroadcastReceiver.builder()
                  .transport(receiverSide) // one connection for all: they share its backlog
                  .connect(publisher.address())
                  .queueCapacity(4 * ITEMS) // credit for the whole burst: only the backlog limits
                  .build()));
    }
    joinAll(publisher, receivers);
    byte[] body = new byte[400];
    long refusals = 0;
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    for (int i = 0; i < ITEMS; i++) {
      body[0] = (byte) i;
      while (!publisher.publish("item", Payload.wrap(body.clone()))) {
        refusals++;
        assertTrue(System.nanoTime() < deadline, "the backlog never drained");
        Thread.sleep(0, 100_000);
      }
    }
    assertTrue(refusals > 0, "the burst was to overfill the backlog");
    for (BroadcastReceiver r : receivers) {
      int got = 0;
      while (got < ITEMS) {
        assertTrue(System.nanoTime() < deadline, "a receiver got " + got + " of " + ITEMS);
        Delivery d = r.poll(Duration.ofMillis(10));
        if (d != null && d.topic().equals("item")) {
          got++;
        }
      }
      assertEquals(0, r.missed(), "nothing was dropped for a receiver that reads");
    }
  }

  /** Publishes until every receiver has had an item, so that the burst reaches them all. */
  private static void joinAll(Broadcaster publisher, List<BroadcastReceiver> receivers)
      throws InterruptedException {
    Set<BroadcastReceiver> waiting = new HashSet<>(receivers);
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    while (!waiting.isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "receivers did not join in time");
      publisher.publish("sync", "sync");
      for (BroadcastReceiver r : List.copyOf(waiting)) {
        if (r.poll(Duration.ofMillis(5)) != null) {
          waiting.remove(r);
        }
      }
    }
    for (BroadcastReceiver r : receivers) {
      while (r.poll(Duration.ofMillis(20)) != null) {
        // the last sync items
      }
    }
  }
}
