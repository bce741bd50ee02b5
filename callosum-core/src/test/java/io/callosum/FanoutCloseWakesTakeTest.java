package io.callosum;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
      Future<Delivery> taker = ex.submit(w::take);
      Thread.sleep(100); // let it block (not needed for the failure: take() never returns either way)
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
