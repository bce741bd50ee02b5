package io.callosum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.inproc.InProcessTransport;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 1 GiB streamed through a reader that is slower than the writer: flow control keeps the heap
 * bounded. The heap is measured after a full collection every 64 MiB; a stream that buffered what
 * the reader had not taken would grow it by hundreds of MiB.
 */
class StreamHeapTest {
  private static final int ITEM = 64 << 10;
  private static final long TOTAL = 1L << 30;
  private static final long WINDOW = 4 << 20;

  @RegisterExtension final Closer closer = new Closer();

  /**
   * Heap in use after a full collection (java.management is read reflectively: tests run as this
   * module).
   */
  private static long usedHeapAfterGc() throws ReflectiveOperationException {
    System.gc();
    Object bean =
        Class.forName("java.lang.management.ManagementFactory")
            .getMethod("getMemoryMXBean")
            .invoke(null);
    Object usage =
        Class.forName("java.lang.management.MemoryMXBean")
            .getMethod("getHeapMemoryUsage")
            .invoke(bean);
    Method used = Class.forName("java.lang.management.MemoryUsage").getMethod("getUsed");
    return (Long) used.invoke(usage);
  }

  @Test
  void oneGibibyteThroughASlowReaderKeepsTheHeapBounded() throws Exception {
    InProcessTransport transport = new InProcessTransport();
    Peer server =
        closer.later(Peer.builder().transport(transport).bind("inproc://heap-test").build());
    AtomicLong sent = new AtomicLong();
    server.handleStream(
        "gib",
        (ctx, body, up, down) -> {
          byte[] chunk = new byte[ITEM];
          for (long off = 0; off < TOTAL; off += ITEM) {
            ByteBuffer.wrap(chunk).putLong(off);
            down.send(Payload.wrap(chunk));
            sent.addAndGet(ITEM);
          }
          return "done";
        });
    server.start();
    ConnectedPeer client =
        closer
            .later(
                Peer.builder()
                    .transport(transport)
                    .connect("inproc://heap-test")
                    .streamWindow(64, WINDOW)
                    .defaultTimeout(null)
                    .build())
            .start();

    long baseline = usedHeapAfterGc();
    StreamCall call = client.call("gib").serverStream(null);
    long received = 0;
    long maxHeapGrowth = 0;
    long maxInFlight = 0;
    long t0 = System.nanoTime();
    Body b;
    int items = 0;
    while ((b = call.downstream().take()) != null) {
      assertEquals(received, ByteBuffer.wrap(b.bytes()).getLong(), "out of order");
      received += b.bytes().length;
      maxInFlight = Math.max(maxInFlight, sent.get() - received);
      if (++items % 64 == 0) {
        Thread.sleep(1); // slower than the writer
      }
      if (received % (64L << 20) == 0) {
        maxHeapGrowth = Math.max(maxHeapGrowth, usedHeapAfterGc() - baseline);
      }
    }
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(TOTAL, received);
    assertEquals("done", Await.result(call.result()));
    System.out.printf(
        "stream heap: 1 GiB in %d ms (%.0f MiB/s); heap after GC grew at most %d KiB over %d KiB;"
            + " at most %d KiB in flight (window %d KiB)%n",
        millis,
        TOTAL / 1048576.0 / (millis / 1000.0),
        maxHeapGrowth >> 10,
        baseline >> 10,
        maxInFlight >> 10,
        WINDOW >> 10);
    assertTrue(maxInFlight <= WINDOW + ITEM, "in flight " + maxInFlight);
    assertTrue(
        maxHeapGrowth < 64L << 20,
        "the heap grew by " + (maxHeapGrowth >> 20) + " MiB while streaming");
  }
}
