package io.callosum.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What this JVM holds from the operating system, for tests that check that close releases it (Linux
 * /proc).
 */
public final class Resources {
  private Resources() {}

  /** Open file descriptors (sockets, pipes, selectors, files). */
  public static int openFds() {
    return count(Path.of("/proc/self/fd"));
  }

  /** Operating-system threads, including the JVM's own. */
  public static int osThreads() {
    return count(Path.of("/proc/self/task"));
  }

  private static int count(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return (int) s.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
