package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code callosum serve} running on its own thread in the test JVM, bound to a fresh inproc
 * address. {@link #close()} stops it the way an embedding program does (by interrupting it) and
 * checks that it stopped cleanly.
 */
final class ServeRun implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(10);

  final String address = "inproc://cli-test-" + UUID.randomUUID();
  final WatchedWriter out = new WatchedWriter();
  final WatchedWriter err = new WatchedWriter();
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final Thread thread;

  ServeRun(String... options) throws InterruptedException {
    String[] args = Stream.concat(Stream.of("serve", "--bind", address), Arrays.stream(options)).toArray(String[]::new);
    thread = new Thread(() -> exit.complete(
        Callosum.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args)));
    thread.start();
    try {
      assertEquals("READY " + address, out.awaitLine(line -> line.startsWith("READY "), WAIT));
    } catch (AssertionError e) {
      thread.interrupt();
      throw e;
    }
  }

  /** Runs {@code callosum call --connect <this server> ARGS...}. */
  ToolRun call(String... args) {
    return ToolRun.of(Stream.concat(Stream.of("call", "--connect", address), Arrays.stream(args)).toArray(String[]::new));
  }

  @Override
  public void close() throws Exception {
    thread.interrupt();
    assertEquals(ExitCodes.OK, exit.get(WAIT.toMillis(), TimeUnit.MILLISECONDS), () -> "serve output:\n" + out + err);
    err.awaitLine(line -> line.equals("stopped"), WAIT);
  }
}
