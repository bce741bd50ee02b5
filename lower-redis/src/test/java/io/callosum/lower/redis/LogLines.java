package io.callosum.lower.redis;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * What the code under test logs (slf4j-simple writes each line to {@code System.err}, looked up at
 * every line): a copy of the lines written since {@link #install}, for tests that check what is
 * logged at which level. Keeps the last {@value #KEEP} lines. Thread-safe.
 */
public final class LogLines {
  private static final int KEEP = 20_000;
  private static final Object LOCK = new Object();
  private static final List<String> lines = new ArrayList<>();
  private static long dropped;
  private static boolean installed;

  private LogLines() {}

  /** Starts copying (once per JVM; later calls do nothing). */
  public static void install() {
    synchronized (LOCK) {
      if (!installed) {
        installed = true;
        System.setErr(new PrintStream(new Copy(System.err), true, StandardCharsets.UTF_8));
      }
    }
  }

  /** A mark: the number of lines written so far, for {@link #since}. */
  public static long mark() {
    synchronized (LOCK) {
      return dropped + lines.size();
    }
  }

  /** The lines written since {@code mark} that match {@code which}. */
  public static List<String> since(long mark, Predicate<String> which) {
    synchronized (LOCK) {
      List<String> out = new ArrayList<>();
      for (int i = (int) Math.max(0, mark - dropped); i < lines.size(); i++) {
        if (which.test(lines.get(i))) {
          out.add(lines.get(i));
        }
      }
      return out;
    }
  }

  /** The WARN lines written since {@code mark} that contain {@code text}. */
  public static List<String> warnings(long mark, String text) {
    return since(mark, l -> l.contains(" WARN ") && l.contains(text));
  }

  /** Writes to the stream it replaced, and keeps each line. */
  private static final class Copy extends OutputStream {
    private final PrintStream to;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    Copy(PrintStream to) {
      this.to = to;
    }

    @Override
    public void write(int b) {
      to.write(b);
      synchronized (LOCK) {
        if (b != '\n') {
          line.write(b);
          return;
        }
        lines.add(line.toString(StandardCharsets.UTF_8));
        line.reset();
        if (lines.size() > KEEP) {
          lines.remove(0);
          dropped++;
        }
      }
    }

    @Override
    public void flush() {
      to.flush();
    }
  }
}
