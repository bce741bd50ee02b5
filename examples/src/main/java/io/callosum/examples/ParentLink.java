package io.callosum.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The child's side of {@link ChildProcesses}, for the main class of a worker or node process: it
 * says {@code READY ...} on stdout, then runs until its stdin ends, which is how its parent ends it
 * (and what happens when the parent dies), so that no child outlives the command that started it.
 * Called by the child's main thread.
 */
public final class ParentLink {
  /** How long a child may take to close after its stdin ended before it halts regardless. */
  private static final long CLOSE_SECONDS = 10;

  private ParentLink() {}

  /** Prints {@code READY <what>} on stdout, the line the parent waits for. */
  public static void ready(String what) {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    out.println("READY " + what);
    out.flush();
  }

  /**
   * Returns once stdin has ended (its content is ignored), with a watchdog armed that halts this
   * JVM if closing what it runs takes longer than {@value #CLOSE_SECONDS} s.
   */
  public static void awaitEnd() {
    byte[] ignored = new byte[256];
    try {
      InputStream in = System.in;
      while (in.read(ignored) != -1) {
        // only the end counts
      }
    } catch (IOException e) {
      // the same as the end
    }
    Thread watchdog =
        new Thread(
            () -> {
              try {
                TimeUnit.SECONDS.sleep(CLOSE_SECONDS);
              } catch (InterruptedException e) {
                return;
              }
              Runtime.getRuntime().halt(ExitCodes.UNEXPECTED);
            },
            "close-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
