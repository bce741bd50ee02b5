package io.callosum.examples;

import java.util.List;

/** Processes a test's commands started and left running. */
final class Leftovers {
  private Leftovers() {}

  /**
   * The live descendants of this JVM whose command line contains {@code marker} (a main class,
   * say).
   */
  static List<String> alive(String marker) {
    return ProcessHandle.current()
        .descendants()
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().commandLine().orElse("").contains(marker))
        .map(p -> p.pid() + " " + marker)
        .toList();
  }

  /** True where tests are to be short ({@code CI=true}). */
  static boolean onCi() {
    return "true".equals(System.getenv("CI"));
  }
}
