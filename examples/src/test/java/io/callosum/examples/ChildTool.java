package io.callosum.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code callosum} tool in a child JVM, as from the shell: its stdout and stderr are kept for
 * the test to wait on ({@link WatchedWriter}), {@link #sigterm()} sends it SIGTERM, and closing
 * kills what is left of it.
 */
final class ChildTool implements AutoCloseable {
  final WatchedWriter out = new WatchedWriter();
  final WatchedWriter err = new WatchedWriter();
  private final Process process;
  private final List<Thread> pumps = new ArrayList<>();

  private ChildTool(Process process) {
    this.process = process;
    pumps.add(pump(process.getInputStream(), out, "stdout"));
    pumps.add(pump(process.getErrorStream(), err, "stderr"));
  }

  /** Runs {@code callosum ARGS...} in a new JVM on this test's class path. */
  static ChildTool start(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Callosum.class.getName());
    command.addAll(List.of(args));
    return new ChildTool(new ProcessBuilder(command).start());
  }

  private static Thread pump(InputStream in, WatchedWriter to, String name) {
    Thread t =
        new Thread(
            () -> {
              try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                char[] buffer = new char[4096];
                int n;
                while ((n = r.read(buffer)) >= 0) {
                  to.write(buffer, 0, n);
                }
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            "child-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /**
   * Sends SIGTERM, as a service manager does to stop a process. Through its handle: {@code
   * Process.destroy()} would also close the pipes of its output, which then would be lost.
   */
  void sigterm() {
    process.toHandle().destroy();
  }

  /** The exit code, once the process has ended and its output is read; fails after {@code wait}. */
  int awaitExit(Duration wait) throws InterruptedException {
    if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          "the child did not exit within " + wait + "\n--- stdout\n" + out + "--- stderr\n" + err);
    }
    for (Thread t : pumps) {
      t.join(wait.toMillis());
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Override
  public String toString() {
    return "--- stdout\n" + out + "--- stderr\n" + err;
  }
}
