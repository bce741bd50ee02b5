package io.callosum.lower.zmq.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.zmq.ZmqOptions;
import io.callosum.testing.Await;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

/**
 * A subscriber behind by no more than the queue capacity misses nothing, however many items it read
 * before falling behind. jeromq's pipe learns of reads only every half high-water mark, so a PUB
 * whose mark were the capacity would drop items for a subscriber with fewer than the capacity
 * unread (one whose last reads were not reported yet); {@link FanoutSocket#sendHighWaterMark} gives
 * it twice the capacity. Over {@code inproc://} the pipe runs straight from the PUB to the SUB (its
 * mark is the PUB's send mark plus the SUB's receive mark, 1 here), with no socket buffers between
 * that would hide the count.
 */
class BroadcastHighWaterMarkTest {
  private static final int CAPACITY = 10;
  private static final AtomicLong NAMES = new AtomicLong();
  private static final byte[] TOPIC = "t".getBytes(StandardCharsets.UTF_8);
  private static final byte[] HEADER = new byte[17];

  @Test
  void aSubscriberBehindByTheCapacityMissesNothing_whateverItReadBefore() throws Exception {
    SharedContext shared = new SharedContext(1, 100);
    String name = "hwm-" + NAMES.incrementAndGet();
    ZmqFanoutSender pub =
        ZmqFanoutSender.create(
            shared,
            URI.create("zmq+inproc://" + name),
            new FanoutConfig(FanoutPattern.BROADCAST, true, CAPACITY, 1 << 16),
            ZmqOptions.defaults(),
            () -> {});
    ZMQ.Context context = shared.acquire();
    ZMQ.Socket sub = context.socket(SocketType.SUB);
    try {
      sub.setRcvHWM(1);
      sub.subscribe(new byte[0]);
      sub.connect("inproc://" + name);
      long next = subscribed(pub, sub);
      for (int read = 1; read <= CAPACITY; read++) {
        // It reads `read` items as they come, then falls behind by the capacity.
        next = publishAndReceive(pub, sub, next, read);
        next = publishAndReceive(pub, sub, next, CAPACITY);
      }
    } finally {
      sub.close();
      shared.release();
      pub.close();
    }
  }

  /**
   * Publishes until the subscription has reached the publisher, and reads what came; returns the
   * next sequence number.
   */
  private static long subscribed(ZmqFanoutSender pub, ZMQ.Socket sub) throws Exception {
    long seq = 0;
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    sub.setReceiveTimeOut(10);
    while (sub.recv() == null) {
      assertTrue(System.nanoTime() < deadline, "the subscription never reached the publisher");
      publish(pub, seq++, 1);
    }
    while (sub.hasReceiveMore()) {
      sub.recv();
    }
    sub.setReceiveTimeOut(100);
    while (receiveOne(sub) >= 0) {
      // what the later probes brought
    }
    return seq;
  }

  /**
   * Publishes {@code count} items numbered from {@code first} while the subscriber reads nothing,
   * then checks that it gets every one, in order; returns the next number.
   */
  private static long publishAndReceive(ZmqFanoutSender pub, ZMQ.Socket sub, long first, int count)
      throws Exception {
    publish(pub, first, count);
    sub.setReceiveTimeOut((int) Await.LIMIT.toMillis());
    for (long seq = first; seq < first + count; seq++) {
      assertEquals(seq, receiveOne(sub), "item " + seq + " was dropped, or came out of order");
    }
    return first + count;
  }

  /**
   * Offers {@code count} items numbered from {@code first}, and returns once the publisher's loop
   * has moved them into its socket (which takes them or drops them for the subscriber).
   */
  private static void publish(ZmqFanoutSender pub, long first, int count) throws Exception {
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    for (long seq = first; seq < first + count; seq++) {
      FanoutItem item = new FanoutItem(TOPIC, HEADER, ByteBuffer.allocate(8).putLong(seq).array());
      while (!pub.offer(item)) { // its own queue holds the capacity: wait for the loop
        assertTrue(System.nanoTime() < deadline, "the publisher's queue never had room");
        LockSupport.parkNanos(50_000);
      }
    }
    CountDownLatch moved = new CountDownLatch(1);
    assertTrue(pub.loop.post(moved::countDown)); // after the drain the offers posted
    assertTrue(moved.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
  }

  /** The next item's number, or -1 if none came within the receive timeout. */
  private static long receiveOne(ZMQ.Socket sub) {
    byte[] topic = sub.recv();
    if (topic == null) {
      return -1;
    }
    sub.recv(); // the header
    return ByteBuffer.wrap(sub.recv()).getLong();
  }
}
