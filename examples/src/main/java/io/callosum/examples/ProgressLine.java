package io.callosum.examples;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The progress bar of {@code send}, {@code receive} and the demo's stream step on stderr: bytes in
 * MiB, the rate, and the ETA when the size is known. Lines are redrawn with a carriage return;
 * {@link #finish} ends the last one.
 *
 * <p>The rate is this class's own (bytes since the bar began over nanoseconds since then): the
 * progress bar library divides by whole elapsed seconds, so a transfer shorter than a second would
 * only ever show "? MiB/s". {@link #accept} is called by the one thread that moves the bytes;
 * {@link #finish} by that thread too, once.
 */
final class ProgressLine implements LongConsumer {
  private static final double MIB = 1 << 20;

  private final ProgressBar bar;
  private final PrintWriter err;
  private final LongSupplier nanoClock;
  private final long start;
  private long bytes;

  ProgressLine(String task, long size, PrintWriter err) {
    this(task, size, err, System::nanoTime);
  }

  ProgressLine(String task, long size, PrintWriter err, LongSupplier nanoClock) {
    this.err = err;
    this.nanoClock = nanoClock;
    this.start = nanoClock.getAsLong();
    this.bar =
        new ProgressBarBuilder()
            .setTaskName(task)
            .setInitialMax(size)
            .setStyle(ProgressBarStyle.ASCII)
            .setUnit(" MiB", 1 << 20)
            .setUpdateIntervalMillis(200)
            .setConsumer(
                new DelegatingProgressBarConsumer(
                    line -> {
                      err.print('\r' + line);
                      err.flush();
                    },
                    100))
            .build();
  }

  /** {@code n} more bytes moved. */
  @Override
  public void accept(long n) {
    bytes += n;
    bar.stepBy(n);
    bar.setExtraMessage(rate());
  }

  /** The rate so far, e.g. {@code "12.5 MiB/s"}; {@code "0.0 MiB/s"} before any time passed. */
  String rate() {
    long nanos = nanoClock.getAsLong() - start;
    double perSecond = nanos <= 0 ? 0 : bytes / MIB / (nanos / 1e9);
    return String.format(Locale.ROOT, "%.1f MiB/s", perSecond);
  }

  /** Draws the final state (with the final rate) and ends the line. */
  void finish() {
    bar.setExtraMessage(rate());
    bar.close();
    err.println();
    err.flush();
  }
}
