package io.callosum.lower.zmq.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.testing.Await;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The loop's answer to a channel that is readable for nothing (jeromq 0.6.0 counts a command's
 * signal byte only after writing it, so until the sender counts it the socket's channel is readable
 * while jeromq reads nothing): it yields its core and then leaves the channel out of the select for
 * a moment, instead of spinning.
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
}
