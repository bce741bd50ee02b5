package io.callosum.examples;

import java.io.Writer;
import java.time.Duration;
import java.util.function.Predicate;

/** A writer that keeps what is written and lets a test wait, bounded, for a line to appear. */
final class WatchedWriter extends Writer {
  private final StringBuilder text = new StringBuilder();

  @Override
  public synchronized void write(char[] chars, int offset, int length) {
    text.append(chars, offset, length);
    notifyAll();
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}

  /** The first complete line that matches, or an {@link AssertionError} after {@code timeout}. */
  synchronized String awaitLine(Predicate<String> matches, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String complete = text.substring(0, text.lastIndexOf("\n") + 1);
      for (String line : complete.split("\\R")) {
        if (matches.test(line)) {
          return line;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no such line within " + timeout + "; output so far:\n" + text);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  @Override
  public synchronized String toString() {
    return text.toString();
  }
}
