package io.callosum.internal;

import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * One peer's log lines about what its remotes sent that it dropped or refused. A remote that sends
 * nothing but bad messages must neither fill the disk or take the CPU with log lines, nor forge
 * lines with the text it sends: at most {@link #BURST} lines at once, then one a second, each
 * saying how many were left out before it; and every argument that is not a number is shown through
 * {@link #text}, with control characters escaped and long text cut. Thread-safe.
 */
final class DropLog {
  /** Lines logged at once before the rate applies; the bucket refills one line a second. */
  static final int BURST = 20;

  static final long REFILL_NANOS = 1_000_000_000L;

  /** The most characters of one argument shown. */
  static final int MAX_TEXT = 200;

  private final Logger log;
  private final LongSupplier clock;

  private long tokens = BURST;
  private long refilledAt;
  private long leftOut;

  DropLog(Logger log) {
    this(log, System::nanoTime);
  }

  /** {@code clock}: nanoseconds, as {@link System#nanoTime()} (tests pass their own). */
  DropLog(Logger log, LongSupplier clock) {
    this.log = log;
    this.clock = clock;
    this.refilledAt = clock.getAsLong();
  }

  /** A WARN line, unless the rate is spent. */
  void warn(String format, Object... args) {
    if (log.isWarnEnabled()) {
      long skipped = admit();
      if (skipped >= 0) {
        log.warn(withLeftOut(format, skipped), shown(args, skipped));
      }
    }
  }

  /** An INFO line (e.g. a call of a method nobody handles), unless the rate is spent. */
  void info(String format, Object... args) {
    if (log.isInfoEnabled()) {
      long skipped = admit();
      if (skipped >= 0) {
        log.info(withLeftOut(format, skipped), shown(args, skipped));
      }
    }
  }

  /** Takes a line from the bucket: the lines left out before it, or -1 if none is left. */
  private synchronized long admit() {
    long now = clock.getAsLong();
    long refill = (now - refilledAt) / REFILL_NANOS;
    if (refill > 0) {
      tokens = Math.min(BURST, tokens + refill);
      refilledAt = tokens == BURST ? now : refilledAt + refill * REFILL_NANOS;
    }
    if (tokens == 0) {
      leftOut++;
      return -1;
    }
    tokens--;
    long skipped = leftOut;
    leftOut = 0;
    return skipped;
  }

  private static String withLeftOut(String format, long skipped) {
    return skipped == 0 ? format : format + " ({} similar lines left out before this one)";
  }

  private static Object[] shown(Object[] args, long skipped) {
    Object[] out = new Object[args.length + (skipped == 0 ? 0 : 1)];
    for (int i = 0; i < args.length; i++) {
      Object a = args[i];
      out[i] = a == null || a instanceof Number ? a : text(String.valueOf(a));
    }
    if (skipped != 0) {
      out[args.length] = skipped;
    }
    return out;
  }

  /**
   * {@code s} safe for one log line: line breaks, other control characters and the Unicode
   * characters that reorder or break lines are escaped ({@code \n}, {@code \u001b}), and text past
   * {@link #MAX_TEXT} characters is cut, saying how much.
   */
  static String text(String s) {
    int n = Math.min(s.length(), MAX_TEXT);
    StringBuilder b = null;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (unsafe(c)) {
        if (b == null) {
          b = new StringBuilder(n + 16).append(s, 0, i);
        }
        switch (c) {
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          case '\t' -> b.append("\\t");
          default -> b.append(String.format("\\u%04x", (int) c));
        }
      } else if (b != null) {
        b.append(c);
      }
    }
    if (s.length() > MAX_TEXT) {
      if (b == null) {
        b = new StringBuilder(n + 32).append(s, 0, n);
      }
      b.append("... (").append(s.length() - MAX_TEXT).append(" more characters)");
    }
    return b == null ? s : b.toString();
  }

  private static boolean unsafe(char c) {
    return c < 0x20
        || (c >= 0x7f && c < 0xa0)
        || c == '\u2028'
        || c == '\u2029'
        || (c >= '\u202a' && c <= '\u202e')
        || (c >= '\u2066' && c <= '\u2069');
  }
}
