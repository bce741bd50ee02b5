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
import java.util.Set;
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
  static final class LinksOnly extends LinkFanoutTransport {
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
}
