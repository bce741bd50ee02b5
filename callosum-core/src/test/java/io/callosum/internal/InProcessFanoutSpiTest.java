package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.FanoutSender;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Transport.openReceiver: "an empty prefix, or an empty list, matches every topic". */
class InProcessFanoutSpiTest {
  @Test
  void anEmptyPrefixListMatchesEveryTopic() throws Exception {
    String name = "spi-empty-" + System.nanoTime();
    CountDownLatch got = new CountDownLatch(1);
    FanoutSender s =
        InProcessFanout.openSender(
            name, new FanoutConfig(FanoutPattern.BROADCAST, true, 4, 1 << 20), () -> {});
    FanoutReceiver r =
        InProcessFanout.openReceiver(
            name,
            new FanoutConfig(FanoutPattern.BROADCAST, false, 4, 1 << 20),
            List.of(),
            item -> {
              got.countDown();
              return true;
            });
    try {
      s.offer(new FanoutItem("t".getBytes(), new FanoutHeader(1, 1).encode(), new byte[0]));
      assertTrue(got.await(2, TimeUnit.SECONDS), "a receiver opened with no prefixes got nothing");
    } finally {
      r.close();
      s.close();
    }
  }
}
