package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutListener;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.FanoutSender;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The core may call resume() after received() returned false but before the lower acted on it. */
class InProcessFanoutResumeRaceTest {
  @Test
  void aResumeBetweenFalseAndPauseIsNotLost() throws Exception {
    AtomicReference<FanoutReceiver> self = new AtomicReference<>();
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch second = new CountDownLatch(1);
    FanoutListener listener =
        item -> {
          if (calls.incrementAndGet() == 1) {
            // what FanoutReceiverCore.taken() does when the consumer empties the queue in this
            // window
            self.get().resume();
            return false;
          }
          second.countDown();
          return true;
        };
    String name = "resume-race-" + System.nanoTime();
    FanoutReceiver r =
        InProcessFanout.openReceiver(
            name, new FanoutConfig(FanoutPattern.PIPELINE, true, 4, 1 << 20), List.of(), listener);
    self.set(r);
    FanoutSender s =
        InProcessFanout.openSender(
            name, new FanoutConfig(FanoutPattern.PIPELINE, false, 4, 1 << 20), () -> {});
    try {
      byte[] h = new FanoutHeader(1, 1).encode();
      assertTrue(s.offer(new FanoutItem(new byte[0], h, new byte[0])));
      assertTrue(s.offer(new FanoutItem(new byte[0], h, new byte[0])));
      assertTrue(
          second.await(5, TimeUnit.SECONDS), "the second item never arrived: the resume was lost");
    } finally {
      s.close();
      r.close();
    }
  }
}
