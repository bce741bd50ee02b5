package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.fanout.Delivery;
import io.callosum.lower.ReadBatch;
import io.callosum.testing.Await;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A fan-out receiver's queue wakes a waiting consumer once per read round of the lower, not once
 * per item, and never loses a wake-up.
 */
class DeliveryQueueTest {
  private final ExecutorService consumers = Executors.newCachedThreadPool();

  @AfterEach
  void stop() throws InterruptedException {
    consumers.shutdownNow();
    assertTrue(consumers.awaitTermination(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
  }

  private static Delivery item(int i) {
    return new Delivery("t", new CodecBody(new byte[] {(byte) i}, null));
  }

  private CompletableFuture<List<Delivery>> takeAll(DeliveryQueue q, int n) {
    return CompletableFuture.supplyAsync(
        () -> {
          List<Delivery> got = new ArrayList<>();
          try {
            while (got.size() < n) {
              got.add(q.take());
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return got;
        },
        consumers);
  }

  @Test
  void itemsOfOneRoundWakeAWaitingConsumerOnceAtTheRoundsEnd() throws Exception {
    DeliveryQueue q = new DeliveryQueue(1000);
    CompletableFuture<List<Delivery>> got = takeAll(q, 100);
    Await.until("the consumer waits", () -> q.waiting() == 1);
    List<Delivery> sent = new ArrayList<>();
    ReadBatch.begin();
    try {
      for (int i = 0; i < 100; i++) {
        Delivery d = item(i);
        sent.add(d);
        assertTrue(q.offer(d) > 0);
      }
      assertEquals(0, q.wakeups(), "no wake-up before the round ends");
      assertEquals(100, q.size(), "the consumer was not woken: everything still waits");
    } finally {
      ReadBatch.end();
    }
    assertEquals(sent, Await.result(got));
    assertEquals(1, q.wakeups());
  }

  @Test
  void outsideARoundEachOfferWakesTheWaitingConsumerAtOnce() throws Exception {
    DeliveryQueue q = new DeliveryQueue(10);
    for (int i = 0; i < 3; i++) {
      CompletableFuture<List<Delivery>> got = takeAll(q, 1);
      Await.until("the consumer waits", () -> q.waiting() == 1);
      Delivery d = item(i);
      assertTrue(q.offer(d) > 0);
      assertSame(d, Await.result(got).get(0));
    }
    assertEquals(3, q.wakeups());
  }

  @Test
  void aConsumerThatIsNotWaitingIsNotWoken_andFindsTheItems() throws Exception {
    DeliveryQueue q = new DeliveryQueue(10);
    ReadBatch.begin();
    try {
      assertEquals(1, q.offer(item(1)));
      assertEquals(2, q.offer(item(2)));
    } finally {
      ReadBatch.end();
    }
    assertEquals(0, q.wakeups());
    assertEquals(2, Await.result(takeAll(q, 2)).size());
  }

  @Test
  void offersPastTheCapacityAreRefused_andPollTimesOut() throws Exception {
    DeliveryQueue q = new DeliveryQueue(2);
    assertEquals(1, q.offer(item(1)));
    assertEquals(2, q.offer(item(2)));
    assertTrue(q.isFull());
    assertEquals(-1, q.offer(item(3)));
    assertEquals(1, q.poll(0).body().bytes()[0]);
    assertEquals(2, q.poll(TimeUnit.MILLISECONDS.toNanos(1)).body().bytes()[0]);
    assertNull(q.poll(TimeUnit.MILLISECONDS.toNanos(1)));
  }

  @Test
  void putWakesEveryWaitingConsumer_pastTheCapacity() throws Exception {
    DeliveryQueue q = new DeliveryQueue(1);
    assertEquals(1, q.offer(item(0)));
    Delivery sentinel = item(9);
    q.put(sentinel);
    assertEquals(2, q.size());
    q.clear();
    CompletableFuture<List<Delivery>> a = takeAll(q, 1);
    Await.until("the consumer waits", () -> q.waiting() == 1);
    ReadBatch.begin();
    try {
      q.put(sentinel); // not deferred: close must wake its consumers whatever thread it runs on
      assertSame(sentinel, Await.result(a).get(0));
    } finally {
      ReadBatch.end();
    }
  }
}
