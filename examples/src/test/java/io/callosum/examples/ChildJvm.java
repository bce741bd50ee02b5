package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A serving process for tests that need the other end in another JVM: runs a class's {@code main}
 * with a bind address on this test's class path, reads its {@code READY <address>} line, and on
 * close ends its stdin (which ends it) and waits for it.
 */
final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final String address;

  private ChildJvm(Process process, String address) {
    this.process = process;
    this.address = address;
  }

  /** Starts {@code main} with {@code bindAddress} and waits for it to be ready. */
  static ChildJvm start(Class<?> main, String bindAddress) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java, "-cp", System.getProperty("java.class.path"), main.getName(), bindAddress)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String ready = out.readLine();
    if (ready == null || !ready.startsWith("READY ")) {
      p.destroyForcibly();
      throw new AssertionError("the child did not get ready: " + ready);
    }
    return new ChildJvm(p, ready.substring("READY ".length()));
  }

  /** The address the child is bound at (with the real port). */
  String address() {
    return address;
  }

  /** Ends the child and checks that it exited normally. */
  @Override
  public void close() throws IOException {
    process.getOutputStream().close(); // its stdin ends: it closes its peer and exits
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    assertTrue(!process.isAlive() && process.exitValue() == 0, "the child exited normally");
  }
}
