package io.callosum.lower.zmq.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.testing.Await;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The loop's answer to a channel that is readable for nothing (jeromq 0.6.0 counts a command's
 * signal byte only after writing it, so until the sender counts it the socket's channel is readable
 * while jeromq reads nothing): it yields its core and then leaves the channel out of the select for
 * a moment, instead of spinning. And another thread acting as the sleeping loop ({@link
 * IoLoop#tryEnter}): it wakes the loop only for a socket with messages waiting or a timer due
 * earlier.
 */
class IoLoopTest {
  @Test
  void aChannelReadableForNothingIsLeftOutInsteadOfSpinning() throws Exception {
    IoLoop loop = new IoLoop("io-loop-test");
    loop.start();
    Pipe pipe = Pipe.open();
    try (Pipe.SinkChannel sink = pipe.sink();
        Pipe.SourceChannel readable = pipe.source()) {
      readable.configureBlocking(false);
      sink.write(ByteBuffer.wrap(new byte[] {1})); // nobody reads it: readable for good
      AtomicLong served = new AtomicLong();
      IoLoop.Handler dry =
          new IoLoop.Handler() {
            @Override
            boolean ready() {
              served.incrementAndGet();
              return false;
            }

            @Override
            void closeOnLoopEnd() {}
          };
      CompletableFuture<Void> registered = new CompletableFuture<>();
      loop.post(
          () -> {
            try {
              loop.register(readable, dry);
              registered.complete(null);
            } catch (Exception e) {
              registered.completeExceptionally(e);
            }
          });
      registered.get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS);
      Await.until("the channel is left out of the select", () -> loop.dryPauses() >= 20);
      long serves = served.get();
      long pauses = loop.dryPauses();
      // Before, the loop served it as fast as it could select: hundreds of thousands a second.
      assertTrue(
          serves <= 16 + 3 * pauses + 3,
          serves + " serves for " + pauses + " pauses of a channel readable for nothing");
      assertTrue(loop.dryYields() >= 1, "the loop yielded its core first");
    } finally {
      loop.stop();
    }
  }

  /** A handler that counts its serves and says whether messages wait. */
  private static final class Probe extends IoLoop.Handler {
    final AtomicLong served = new AtomicLong();
    final boolean input;

    Probe(boolean input) {
      this.input = input;
    }

    @Override
    boolean ready() {
      served.incrementAndGet();
      return true;
    }

    @Override
    boolean hasInput() {
      return input;
    }

    @Override
    void closeOnLoopEnd() {}
  }

  @Test
  void aThreadThatEntersTheSleepingLoopWakesItOnlyForInputOrAnEarlierTimer() throws Exception {
    IoLoop loop = new IoLoop("io-loop-enter-test");
    loop.start();
    try {
      Await.until("the loop sleeps", loop::sleeps);
      assertTrue(loop.tryEnter(), "the sleeping loop is entered");
      assertEquals(1, loop.entries(), "counted");
      Probe idle = new Probe(false);
      loop.again(idle); // as a send does
      loop.exit();
      assertTrue(loop.sleeps(), "no input: the loop sleeps on");
      assertEquals(0, loop.handOffWakeups(), "and was not woken");

      Await.until("the loop sleeps", loop::sleeps);
      assertTrue(loop.tryEnter(), "entered again");
      Probe waiting = new Probe(true);
      loop.again(waiting);
      loop.exit();
      Await.until("the socket with input is served", () -> waiting.served.get() == 1);
      assertEquals(0, idle.served.get(), "the one without input was not");

      Await.until("the loop sleeps", loop::sleeps);
      assertTrue(loop.tryEnter(), "entered again");
      CompletableFuture<Void> due = new CompletableFuture<>();
      loop.schedule(1, () -> due.complete(null));
      loop.exit();
      due.get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS); // the loop slept with no timer
    } finally {
      loop.stop();
    }
  }

  @Test
  void aTimerThatASocketServedAgainSchedulesRunsOnTime() throws Exception {
    IoLoop loop = new IoLoop("io-loop-timer-test");
    loop.start();
    try {
      CompletableFuture<Void> due = new CompletableFuture<>();
      IoLoop.Handler schedules =
          new IoLoop.Handler() {
            @Override
            boolean ready() {
              loop.schedule(1, () -> due.complete(null));
              return true;
            }

            @Override
            void closeOnLoopEnd() {}
          };
      loop.post(
          () -> {
            loop.schedule(60_000, () -> {}); // the loop's wait, were it not looked at again
            loop.again(schedules);
          });
      due.get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    } finally {
      loop.stop();
    }
  }

  @Test
  void theLoopThreadAndABusyLoopAreNotEntered() throws Exception {
    IoLoop loop = new IoLoop("io-loop-busy-test");
    loop.start();
    try {
      CompletableFuture<Boolean> onLoop = new CompletableFuture<>();
      loop.post(() -> onLoop.complete(loop.tryEnter()));
      assertFalse(onLoop.get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS), "the loop thread");
      CountDownLatch running = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      loop.post(
          () -> {
            running.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      assertTrue(running.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS), "busy");
      assertFalse(loop.tryEnter(), "a busy loop is handed work instead");
      release.countDown();
    } finally {
      loop.stop();
    }
  }
}
