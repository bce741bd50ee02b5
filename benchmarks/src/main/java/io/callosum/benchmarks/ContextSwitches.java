package io.callosum.benchmarks;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Voluntary context switches of every thread of this JVM, from Linux's {@code /proc/self/task}:
 * a thread that blocks (to wait for a socket, a lock, a queue, a future) and is woken again counts
 * one. Their number per call is the measured count of thread wake-ups (hand-offs) per call, which
 * on a 2-core VM costs ~25–30 µs each when it crosses cores. Threads that ended during the
 * measurement are not counted; -1 where /proc is not available.
 */
final class ContextSwitches {
  private static final Path TASKS = Path.of("/proc/self/task");
  private static final String KEY = "voluntary_ctxt_switches:";

  private ContextSwitches() {}

  static long total() {
    if (!Files.isDirectory(TASKS)) {
      return -1;
    }
    long sum = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
      for (Path task : tasks) {
        try {
          for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith(KEY)) {
              sum += Long.parseLong(line.substring(KEY.length()).trim());
              break;
            }
          }
        } catch (IOException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return sum;
  }
}
