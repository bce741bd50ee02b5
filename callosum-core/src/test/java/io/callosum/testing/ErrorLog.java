package io.callosum.testing;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Watches what the code under test logs at ERROR (slf4j-simple writes to {@code System.err}). The
 * main code logs ERROR only where it catches an unexpected failure so that a receive loop goes on
 * (e.g. "unexpected failure handling a message"): a fuzz target fails when anything was logged at
 * ERROR while it ran, since such a catch would otherwise hide the bug from the fuzzer.
 */
public final class ErrorLog {
  private static final int KEEP = 16 << 10;

  /** slf4j-simple's line: {@code [thread] ERROR logger - message}. */
  private static final java.util.regex.Pattern ERROR_LINE =
      java.util.regex.Pattern.compile("\\[[^\\]\\n]*\\] ERROR ");

  private static final Object LOCK = new Object();
  private static long errors;
  private static final StringBuilder text = new StringBuilder();
  private static boolean capturing;

  private ErrorLog() {}

  /** Starts watching (once per JVM; later calls do nothing). */
  public static synchronized void install() {
    if (System.err instanceof Watching) {
      return;
    }
    System.setErr(new Watching(System.err));
  }

  /** ERROR lines logged since {@link #install}. */
  public static long count() {
    synchronized (LOCK) {
      return errors;
    }
  }

  /**
   * Fails if ERROR lines were logged since {@code before} (a {@link #count}), with what was logged.
   */
  public static void assertNoneSince(long before) {
    synchronized (LOCK) {
      if (errors != before) {
        throw new AssertionError((errors - before) + " ERROR line(s) logged:\n" + text);
      }
    }
  }

  private static final class Watching extends PrintStream {
    private final StringBuilder line = new StringBuilder();

    Watching(PrintStream out) {
      super(out, true, StandardCharsets.UTF_8);
    }

    @Override
    public void write(int b) {
      super.write(b);
      take(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      super.write(b, off, len);
      take(b, off, len);
    }

    private void take(byte[] b, int off, int len) {
      synchronized (LOCK) {
        for (char c : new String(b, off, len, StandardCharsets.UTF_8).toCharArray()) {
          if (c != '\n') {
            line.append(c);
            continue;
          }
          String l = line.toString();
          line.setLength(0);
          if (ERROR_LINE.matcher(l).lookingAt()) {
            errors++;
            capturing = true;
            text.setLength(0);
          } else if (!l.startsWith("\t") && !l.startsWith("Caused by") && !l.startsWith("\t...")) {
            capturing = false;
          }
          if (capturing && text.length() < KEEP) {
            text.append(l).append('\n');
          }
        }
      }
    }
  }
}
