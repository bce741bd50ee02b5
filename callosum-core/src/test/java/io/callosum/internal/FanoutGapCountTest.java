package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.callosum.inproc.InProcessTransport;
import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutPattern;
import io.callosum.upper.MsgpackCodec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A broadcast receiver counts the gaps of each publisher's topic apart, however their items
 * interleave.
 */
class FanoutGapCountTest {
  @Test
  void gapsAreCountedPerPublisherAndTopic() {
    URI address = URI.create("inproc://gap-count-" + System.nanoTime());
    try (FanoutReceiverCore r =
        new FanoutReceiverCore(
            new InProcessTransport(),
            address,
            new FanoutConfig(FanoutPattern.BROADCAST, true, 100, 1 << 20),
            List.of(""),
            new MsgpackCodec(),
            null,
            1 << 20)) {
      long a = 7;
      long b = 8;
      feed(r, a, "x", 1);
      feed(r, a, "x", 2);
      feed(r, b, "x", 1);
      feed(r, a, "x", 5); // a/x missed 3 and 4
      feed(r, a, "y", 1);
      feed(r, a, "x", 6);
      feed(r, b, "x", 4); // b/x missed 2 and 3
      feed(r, a, "y", 3); // a/y missed 2
      feed(r, a, "y", 3); // a repeat is no gap

      assertEquals(5, r.missed());
      assertEquals(9, r.received());
    }
  }

  private static void feed(FanoutReceiverCore r, long sender, String topic, long sequence) {
    r.received(
        new FanoutItem(
            topic.getBytes(StandardCharsets.UTF_8),
            new FanoutHeader(sender, sequence).encode(),
            new byte[] {(byte) 0xc0}));
  }
}
