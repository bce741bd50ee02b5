package io.callosum;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.fanout.Delivery;
import io.callosum.fanout.PipelineReceiver;
import io.callosum.testing.Await;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** close() must release a thread waiting in take() (the API says the receiver is thread-safe). */
class FanoutCloseWakesTakeTest {
  @Test
  void closeEndsAWaitingTake() throws Exception {
    String address = "inproc://close-wakes-take-" + System.nanoTime();
    PipelineReceiver w = PipelineReceiver.builder().bind(address).build();
    ExecutorService ex = Executors.newSingleThreadExecutor();
    try {
      Thread[] runner = new Thread[1];
      Future<Delivery> taker =
          ex.submit(
              () -> {
                runner[0] = Thread.currentThread();
                return w.take();
              });
      Await.until(
          "take() waits", () -> runner[0] != null && runner[0].getState() == Thread.State.WAITING);
      w.close();
      try {
        taker.get(2, TimeUnit.SECONDS);
      } catch (ExecutionException expected) {
        assertTrue(expected.getCause() instanceof IllegalStateException, expected.toString());
      } catch (TimeoutException e) {
        throw new AssertionError("take() still waits 2 s after close()");
      }
      assertThrows(IllegalStateException.class, w::take, "take() after close");
    } finally {
      ex.shutdownNow();
    }
  }
}
