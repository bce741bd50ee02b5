package io.callosum.examples.soak;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What this JVM holds at one moment: heap in use after a full collection, open file descriptors
 * (Linux {@code /proc/self/fd}; -1 elsewhere) and live threads with their names.
 *
 * @param heapBytes heap in use after {@link System#gc()}
 * @param fds open file descriptors, or -1 where the system does not tell
 * @param threads the names of the live threads (a name may stand for several)
 * @param threadCount how many threads are alive
 */
public record ResourceUse(long heapBytes, int fds, Set<String> threads, int threadCount) {
  /** Measures now (collecting garbage first, which takes a moment). */
  public static ResourceUse now() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      TimeUnit.MILLISECONDS.sleep(20); // let cleaners close what the collection freed
    }
    Runtime rt = Runtime.getRuntime();
    long heap = rt.totalMemory() - rt.freeMemory();
    Set<Thread> live = Thread.getAllStackTraces().keySet();
    Set<String> names = new TreeSet<>();
    live.forEach(t -> names.add(t.getName()));
    return new ResourceUse(heap, openFds(), names, live.size());
  }

  private static int openFds() {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return (int) s.count() - 1; // the directory stream's own descriptor
    } catch (IOException | UnsupportedOperationException e) {
      return -1;
    }
  }

  /** Whether threads and descriptors are back at (or below) {@code baseline}. */
  public boolean settledAt(ResourceUse baseline) {
    return threadCount <= baseline.threadCount && fds <= baseline.fds;
  }

  /** Heap, descriptors and threads, as the summary prints them. */
  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "heap %.1f MiB, %s fds, %d threads",
        heapBytes / 1048576.0,
        fds < 0 ? "?" : String.valueOf(fds),
        threadCount);
  }
}
