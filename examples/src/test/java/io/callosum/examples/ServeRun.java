package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code callosum serve} running on its own thread in the test JVM, bound to a fresh inproc address
 * or to one given (e.g. {@code zmq+tcp://127.0.0.1:0}). {@link #address} is the one its READY line
 * names, with the real port. {@link #close()} stops it the way an embedding program does (by
 * interrupting it) and checks that it stopped cleanly.
 */
final class ServeRun implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(10);

  final String address;
  final WatchedWriter out = new WatchedWriter();
  final WatchedWriter err = new WatchedWriter();
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final Thread thread;

  /** Serves at a fresh inproc address with {@code options}. */
  ServeRun(String... options) throws InterruptedException {
    this(true, "inproc://cli-test-" + UUID.randomUUID(), options);
  }

  /** Serves at {@code bind} with {@code options}. */
  static ServeRun at(String bind, String... options) throws InterruptedException {
    return new ServeRun(false, bind, options);
  }

  private ServeRun(boolean exactAddress, String bind, String... options)
      throws InterruptedException {
    String[] args =
        Stream.concat(Stream.of("serve", "--bind", bind), Arrays.stream(options))
            .toArray(String[]::new);
    thread =
        new Thread(
            () ->
                exit.complete(
                    Callosum.commandLine()
                        .setOut(new PrintWriter(out))
                        .setErr(new PrintWriter(err))
                        .execute(args)));
    thread.start();
    try {
      address = out.awaitLine(line -> line.startsWith("READY "), WAIT).substring("READY ".length());
      if (exactAddress) {
        assertEquals(bind, address);
      } else {
        assertTrue(address.startsWith(bind.substring(0, bind.lastIndexOf(':') + 1)), address);
      }
    } catch (AssertionError e) {
      thread.interrupt();
      throw e;
    }
  }

  /** Runs {@code callosum call --connect <this server> ARGS...}. */
  ToolRun call(String... args) {
    return ToolRun.of(
        Stream.concat(Stream.of("call", "--connect", address), Arrays.stream(args))
            .toArray(String[]::new));
  }

  @Override
  public void close() throws Exception {
    thread.interrupt();
    assertEquals(
        ExitCodes.OK,
        exit.get(WAIT.toMillis(), TimeUnit.MILLISECONDS),
        () -> "serve output:\n" + out + err);
    err.awaitLine(line -> line.equals("stopped"), WAIT);
  }
}
