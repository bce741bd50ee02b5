package io.callosum.lower.links;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectionLostException;
import io.callosum.fanout.BroadcastReceiver;
import io.callosum.fanout.Broadcaster;
import io.callosum.fanout.Delivery;
import io.callosum.fanout.PipelineReceiver;
import io.callosum.inproc.InProcessTransport;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.LinkListener;
import io.callosum.lower.MemoryBudget;
import io.callosum.lower.Transport;
import io.callosum.lower.TransportConfig;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.FanoutSuite;
import io.callosum.testing.RawLink;
import io.callosum.upper.MsgpackCodec;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Broadcast and pipelines over links ({@link LinkFanoutTransport}), on the in-process lower's
 * links: the shared suite, and hand-made messages from a hostile or confused remote, which close
 * its link alone.
 */
class LinkFanoutTest {
  private static final AtomicInteger NAMES = new AtomicInteger();

  @RegisterExtension final Closer closer = new Closer();

  /** The in-process lower offering its links only, so that the link-based fanout runs on it. */
  static class LinksOnly extends LinkFanoutTransport {
    final InProcessTransport lower = new InProcessTransport();

    @Override
    public Set<String> schemes() {
      return lower.schemes();
    }

    @Override
    public Endpoint bind(URI address, TransportConfig config, LinkListener listener)
        throws IOException {
      return lower.bind(address, config, listener);
    }

    @Override
    public Endpoint connect(URI address, TransportConfig config, LinkListener listener)
        throws IOException {
      return lower.connect(address, config, listener);
    }
  }

  private final LinksOnly transport = new LinksOnly();

  private static String address() {
    return "inproc://link-fanout-" + NAMES.incrementAndGet();
  }

  /** The shared suite over links. */
  @Nested
  class Suite extends FanoutSuite {
    @Override
    protected Transport transport() {
      return transport;
    }

    @Override
    protected String bindAddress() {
      return address();
    }
  }

  private static Capabilities as(String feature) {
    return new Capabilities(Capabilities.VERSION, 99, Set.of(feature));
  }

  @Test
  void badMessagesFromAReceiverCloseItsLinkAlone() throws Exception {
    Broadcaster b =
        closer.later(Broadcaster.builder().transport(transport).bind(address()).build());
    BroadcastReceiver good =
        closer.later(BroadcastReceiver.builder().transport(transport).connect(b.address()).build());
    byte[][] bad = {
      {9}, // unknown kind
      ByteBuffer.allocate(3).put((byte) 2).putShort((short) 2000).array(), // too many prefixes
      ByteBuffer.allocate(5)
          .put((byte) 2)
          .putShort((short) 1)
          .putShort((short) 50)
          .array(), // a prefix past the end
      {3, 0}, // a truncated CREDIT
    };
    for (byte[] header : bad) {
      RawLink raw = closer.later(RawLink.connect(transport, b.address(), as("broadcast-receiver")));
      raw.send(header, new byte[0]);
      Await.until("the sender closes the bad link", raw::isDisconnected);
    }
    RawLink stranger = closer.later(RawLink.connect(transport, b.address(), as("something-else")));
    Await.until("the sender closes a link that is no receiver", stranger::isDisconnected);
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    Delivery d = null;
    while (d == null) {
      assertTrue(System.nanoTime() < deadline, "the good receiver got nothing");
      b.publish("t", "still here");
      d = good.poll(Duration.ofMillis(10));
    }
    assertEquals("still here", d.value());
  }

  @Test
  void aSenderBeyondItsCreditIsCutOffAndMalformedItemsAreCounted() throws Exception {
    PipelineReceiver w =
        closer.later(
            PipelineReceiver.builder()
                .transport(transport)
                .bind(address())
                .queueCapacity(4)
                .build());
    RawLink raw = closer.later(RawLink.connect(transport, w.address(), as("pipeline-sender")));
    Envelope first = raw.next();
    assertEquals(3, first.header()[0], "the receiver grants credit first");
    assertEquals(4, ByteBuffer.wrap(first.header(), 1, 4).getInt());
    raw.send(
        ByteBuffer.allocate(3).put((byte) 1).putShort((short) 10).array(),
        new byte[0]); // a topic past the end
    Await.until("the malformed item is counted", () -> w.malformed() == 1);
    byte[] item =
        ByteBuffer.allocate(3 + 17)
            .put((byte) 1)
            .putShort((short) 0)
            .put((byte) 1)
            .putLong(5)
            .putLong(1)
            .array();
    MsgpackCodec mp = new MsgpackCodec();
    // Nobody takes: the receiver hands 4 items on (granting 4 more as it does) and then holds
    // what it has credited; a sender that ignores its credit is cut off there.
    for (int i = 0; i < 12; i++) {
      try {
        raw.send(item, mp.encode(i));
      } catch (ConnectionLostException e) {
        break; // cut off before all 12 were sent: the receiver was quicker than this loop
      }
    }
    Await.until("the receiver cuts the sender off", raw::isDisconnected);
    assertEquals(
        4, w.received(), "the queue of 4 is full; the rest was held, then dropped with the link");
  }

  /** {@link LinksOnly} that counts the endpoints it connects and the items that reach them. */
  static final class Counting extends LinksOnly {
    final AtomicInteger connects = new AtomicInteger();
    final AtomicInteger itemsIn = new AtomicInteger();
    final MemoryBudget budget = new MemoryBudget("test", 1 << 20);
    final Map<io.callosum.lower.Link, io.callosum.lower.Link> counted = new ConcurrentHashMap<>();

    /** {@code link} with its memory counted in {@link #budget}, one wrapper per link. */
    io.callosum.lower.Link counted(io.callosum.lower.Link link) {
      return counted.computeIfAbsent(
          link,
          l -> {
            MemoryBudget.Holder holder = budget.holder(l.id());
            return new io.callosum.lower.Link() {
              @Override
              public String id() {
                return l.id();
              }

              @Override
              public Capabilities remoteCapabilities() {
                return l.remoteCapabilities();
              }

              @Override
              public MemoryBudget.Holder memory() {
                return holder;
              }

              @Override
              public void send(Envelope envelope) {
                l.send(envelope);
              }

              @Override
              public void close() {
                l.close();
              }
            };
          });
    }

    @Override
    public Endpoint connect(URI address, TransportConfig config, LinkListener listener)
        throws IOException {
      connects.incrementAndGet();
      return super.connect(
          address,
          config,
          new LinkListener() {
            @Override
            public void connected(io.callosum.lower.Link link) {
              listener.connected(counted(link));
            }

            @Override
            public void received(io.callosum.lower.Link link, Envelope envelope) {
              if (envelope.header().length > 0 && envelope.header()[0] == LinkFanout.ITEM) {
                itemsIn.incrementAndGet();
              }
              listener.received(counted(link), envelope);
            }

            @Override
            public void disconnected(io.callosum.lower.Link link, Throwable cause) {
              listener.disconnected(counted(link), cause);
            }
          });
    }

    int groups() {
      return sharedReceiverGroups();
    }
  }

  @Test
  void receiversOfOneProcessShareOneLink_andEachItemCrossesItOnce() throws Exception {
    Counting counting = new Counting();
    Broadcaster b =
        closer.later(Broadcaster.builder().transport(transport).bind(address()).build());
    BroadcastReceiver all =
        closer.later(BroadcastReceiver.builder().transport(counting).connect(b.address()).build());
    BroadcastReceiver a =
        BroadcastReceiver.builder().transport(counting).connect(b.address()).topics("a").build();
    BroadcastReceiver alsoA =
        closer.later(
            BroadcastReceiver.builder()
                .transport(counting)
                .connect(b.address())
                .topics("a")
                .build());
    assertEquals(1, counting.connects.get(), "one endpoint for the three receivers");
    assertEquals(1, counting.groups());
    joined(b, all, a, alsoA);
    int before = counting.itemsIn.get();
    for (int i = 0; i < 10; i++) {
      assertTrue(b.publish(i % 2 == 0 ? "a" : "b", i));
    }
    for (int i = 0; i < 10; i++) {
      assertEquals(i, ((Number) next(all).value()).intValue());
    }
    assertEquals(
        10, counting.itemsIn.get() - before, "each item crossed once, not once per receiver");
    for (BroadcastReceiver r : new BroadcastReceiver[] {a, alsoA}) {
      for (int i = 0; i < 10; i += 2) {
        Delivery d = next(r);
        assertEquals("a", d.topic());
        assertEquals(i, ((Number) d.value()).intValue());
      }
    }
    a.close();
    assertEquals(1, counting.groups(), "the others keep the link");
    all.close();
    alsoA.close();
    Await.until("the last receiver closes the shared endpoint", () -> counting.groups() == 0);
  }

  @Test
  void aPausedReceiverKeepsUpToItsCapacityInTheLinksBudget_whileTheOtherGetsEverything()
      throws Exception {
    Counting counting = new Counting();
    Broadcaster b =
        closer.later(Broadcaster.builder().transport(transport).bind(address()).build());
    BroadcastReceiver fast =
        closer.later(BroadcastReceiver.builder().transport(counting).connect(b.address()).build());
    BroadcastReceiver slow =
        closer.later(
            BroadcastReceiver.builder()
                .transport(counting)
                .connect(b.address())
                .queueCapacity(4)
                .build());
    joined(b, fast, slow);
    for (int i = 0; i < 20; i++) {
      assertTrue(b.publish("t", i));
    }
    for (int i = 0; i < 20; i++) {
      assertEquals(i, ((Number) next(fast).value()).intValue(), "the fast one gets everything");
    }
    // The slow one's queue holds 4, the shared link keeps 4 more for it, in the link's budget.
    Await.until("4 items kept for the slow one", () -> counting.budget.held() > 0);
    long kept = counting.budget.held();
    for (int i = 0; i < 8; i++) {
      assertEquals(i, ((Number) next(slow).value()).intValue(), "in order, nothing overtaken");
    }
    Await.until("what it kept is let go once taken", () -> counting.budget.held() == 0);
    assertTrue(kept > 0);
    assertTrue(b.publish("t", 20));
    assertEquals(20, ((Number) next(slow).value()).intValue());
    assertEquals(12, slow.missed(), "the 12 it had no room for, counted from the gap");
    assertEquals(0, fast.missed());
  }

  /** Publishes until every receiver has an item, then drains what is still in flight. */
  private static void joined(Broadcaster b, BroadcastReceiver all, BroadcastReceiver... others)
      throws InterruptedException {
    List<BroadcastReceiver> waiting = new ArrayList<>(List.of(others));
    waiting.add(all);
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    while (!waiting.isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "the receivers did not join in time");
      b.publish("a", "sync");
      waiting.removeIf(r -> pollQuietly(r) != null);
    }
    b.publish("b", "last sync"); // the link keeps order: once all has it, nothing else is in flight
    while (!"last sync".equals(pollUntilTimeout(all).value())) {
      assertTrue(System.nanoTime() < deadline, "the last sync did not arrive");
    }
    for (BroadcastReceiver r : others) {
      while (pollQuietly(r) != null) {
        // the syncs it still has
      }
    }
  }

  private static Delivery pollQuietly(BroadcastReceiver r) {
    try {
      return r.poll(Duration.ofMillis(5));
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static Delivery pollUntilTimeout(BroadcastReceiver r) throws InterruptedException {
    Delivery d = r.poll(Await.LIMIT);
    assertTrue(d != null, "nothing arrived");
    return d;
  }

  /** The next item of {@code r} that is not a sync. */
  private static Delivery next(BroadcastReceiver r) throws InterruptedException {
    while (true) {
      Delivery d = pollUntilTimeout(r);
      if (!(d.value() instanceof String v && v.endsWith("sync"))) {
        return d;
      }
    }
  }
}
