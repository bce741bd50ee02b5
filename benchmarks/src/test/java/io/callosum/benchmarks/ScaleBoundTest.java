package io.callosum.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * P7's bound peer names the threads started since its mark that still live — a thread per
 * connection shows — but not the helpers the JDK and JNA start once per JVM and keep (JNA's cleaner
 * comes with the ZeroMQ lower's first jeromq thread, whenever that is in a JVM; a process reaper is
 * named after the process it waits for).
 */
class ScaleBoundTest {
  @Test
  @Timeout(30)
  void newThreadsNamesThreadsThatStayedButNotTheOncePerJvmHelpers() throws Exception {
    Scale.Bound bound = new Scale.Bound(List.of("zmq+tcp"));
    CountDownLatch release = new CountDownLatch(1);
    List<Thread> started = List.of();
    try {
      bound.command("mark-threads", List.of());
      started =
          List.of(
              parked("JNA Cleaner", release),
              parked("Common-Cleaner", release),
              parked("process reaper (pid 1)", release),
              parked("a-thread-per-connection", release));

      assertEquals("a-thread-per-connection", bound.command("new-threads", List.of()));

      release.countDown();
      for (Thread t : started) {
        t.join(10_000);
      }
      assertEquals("", bound.command("new-threads", List.of()), "ended threads are not named");
    } finally {
      release.countDown();
      bound.close();
    }
  }

  private static Thread parked(String name, CountDownLatch release) {
    Thread t =
        new Thread(
            () -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            name);
    t.setDaemon(true);
    t.start();
    return t;
  }
}
