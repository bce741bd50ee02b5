package io.callosum.lower.zmq.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.callosum.lower.zmq.ZmqOptions;
import io.callosum.testing.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

/**
 * jeromq's I/O and reaper threads of the lower's contexts run as {@code SCHED_BATCH} on Linux (so
 * that a woken I/O thread does not preempt the thread that woke it before that thread has counted
 * its wake-up: {@link BatchScheduling}); other threads keep their policy.
 */
class BatchSchedulingTest {
  private static final int SCHED_OTHER = 0;
  private static final int SCHED_BATCH = 3;
  private static final Path TASKS = Path.of("/proc/self/task");

  @Test
  void theCallingThreadAlone_becomesBatch() throws Exception {
    assumeTrue(Files.isDirectory(TASKS), "Linux only");
    CompletableFuture<List<Integer>> seen = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                int before = policyOf(Path.of("/proc/thread-self"));
                boolean applied = BatchScheduling.applyToCurrentThread();
                seen.complete(
                    List.of(
                        before,
                        applied ? 1 : 0,
                        BatchScheduling.isCurrentThreadBatch() ? 1 : 0,
                        policyOf(Path.of("/proc/thread-self"))));
              } catch (IOException | RuntimeException e) {
                seen.completeExceptionally(e);
              }
            });
    t.start();
    List<Integer> r = seen.get(30, TimeUnit.SECONDS);
    assertEquals(SCHED_OTHER, r.get(0));
    assertEquals(List.of(1, 1, SCHED_BATCH), r.subList(1, 4));
    assertFalse(BatchScheduling.isCurrentThreadBatch(), "the test's own thread is unchanged");
    assertEquals(SCHED_OTHER, policyOf(Path.of("/proc/thread-self")));
  }

  @Test
  void aContextsIoAndReaperThreads_areBatch() throws Exception {
    assumeTrue(Files.isDirectory(TASKS), "Linux only");
    // jeromq threads of other contexts (other tests', a raw jeromq context's) may still be ending.
    Set<Path> before = jeromqThreads();
    SharedContext shared = new SharedContext(1, 1_000);
    ZMQ.Context context = shared.acquire();
    ZMQ.Socket s = context.socket(SocketType.ROUTER); // starts the context's threads
    try {
      s.setLinger(0);
      s.bindToRandomPort("tcp://127.0.0.1");
      // Each thread names itself and sets its own policy as it starts, which may be just after
      // the socket was made.
      Await.until(
          "jeromq's I/O thread and its reaper run, as SCHED_BATCH",
          () -> newJeromqThreadsBatch(before),
          BatchSchedulingTest::dump);
    } finally {
      s.close(); // before the context ends, which waits for its sockets
      shared.release();
    }
  }

  @Test
  void withBatchSchedulingOff_jeromqsThreadsKeepTheirPolicy() throws Exception {
    assumeTrue(Files.isDirectory(TASKS), "Linux only");
    assertTrue(ZmqOptions.defaults().batchScheduling(), "on by default");
    assertEquals(false, threadOfContextIsBatch(false));
    assertEquals(true, threadOfContextIsBatch(true));
  }

  /**
   * Whether a thread that the context of a transport with {@code batchScheduling} makes (as it
   * makes its I/O and reaper threads) runs as {@code SCHED_BATCH}.
   */
  private static boolean threadOfContextIsBatch(boolean batchScheduling) throws Exception {
    SharedContext shared =
        new SharedContext(
            ZmqOptions.defaults()
                .withBatchScheduling(batchScheduling)
                .withIdleTimeout(Duration.ZERO));
    ZMQ.Context context = shared.acquire();
    try {
      CompletableFuture<Boolean> batch = new CompletableFuture<>();
      Thread t =
          context
              .getThreadFactory()
              .apply(() -> batch.complete(BatchScheduling.isCurrentThreadBatch()), "probe");
      t.start();
      return batch.get(30, TimeUnit.SECONDS);
    } finally {
      shared.release();
    }
  }

  /** The threads of this process named as jeromq names its I/O and reaper threads. */
  private static Set<Path> jeromqThreads() throws IOException {
    Set<Path> found = new HashSet<>();
    try (Stream<Path> tasks = Files.list(TASKS)) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String name = Files.readString(task.resolve("comm")).trim();
          if (name.startsWith("iothread-") || name.startsWith("reaper-")) {
            found.add(task);
          }
        } catch (IOException ended) {
          // a thread that ended as it was listed
        }
      }
    }
    return found;
  }

  /**
   * Whether an I/O thread and a reaper of jeromq run that were not there {@code before}, and all
   * such are batch.
   */
  private static boolean newJeromqThreadsBatch(Set<Path> before) {
    boolean io = false;
    boolean reaper = false;
    try {
      for (Path task : jeromqThreads()) {
        if (before.contains(task)) {
          continue;
        }
        String name = Files.readString(task.resolve("comm")).trim();
        if (policyOf(task) != SCHED_BATCH) {
          return false;
        }
        io |= name.startsWith("iothread-");
        reaper |= name.startsWith("reaper-");
      }
    } catch (IOException | RuntimeException e) {
      return false; // a thread ended as it was read: look again
    }
    return io && reaper;
  }

  private static String dump() {
    StringBuilder b = new StringBuilder();
    try (Stream<Path> tasks = Files.list(TASKS)) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        b.append(Files.readString(t.resolve("comm")).trim())
            .append('=')
            .append(policyOrMinusOne(t))
            .append(' ');
      }
    } catch (IOException e) {
      b.append(e);
    }
    return b.toString();
  }

  private static int policyOrMinusOne(Path task) {
    try {
      return policyOf(task);
    } catch (IOException e) {
      return -1;
    }
  }

  /** The scheduling policy of a thread: field 41 of its {@code stat} (after the name's ')'). */
  private static int policyOf(Path task) throws IOException {
    String stat = Files.readString(task.resolve("stat"));
    String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Integer.parseInt(after[41 - 3]); // fields 3.. follow the name
  }
}
