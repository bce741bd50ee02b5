package io.callosum.lower.redis.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Logs one kind of Redis failure (or loss) at WARN without flooding the log: the first, then at
 * most one line per ten seconds, each saying how many there were since the line before (every
 * failure is counted). While {@code quiet} holds (the session is closing, or down: the session has
 * said so once) a failure is expected and logged at DEBUG only, uncounted. Thread-safe: failures
 * are reported on Lettuce's threads and on loops alike.
 */
final class FailureLog {
  static final long EVERY_NANOS = 10_000_000_000L;

  private final Logger log;
  private final String unit;
  private final BooleanSupplier quiet;
  private final LongSupplier nanoTime;
  private long count;
  private long countAtLine;
  private long lineAt;
  private boolean logged;

  /**
   * {@code unit} names what a failure counts ("entries", "commands"), for "N UNIT since the last
   * such line".
   */
  FailureLog(Logger log, String unit, BooleanSupplier quiet) {
    this(log, unit, quiet, System::nanoTime);
  }

  /** With a clock of its own (tests). */
  FailureLog(Logger log, String unit, BooleanSupplier quiet, LongSupplier nanoTime) {
    this.log = log;
    this.unit = unit;
    this.quiet = quiet;
    this.nanoTime = nanoTime;
  }

  /** Reports a failure of {@code command}, if it fails, as {@link #failed}{@code (1, what, e)}. */
  void watch(CompletionStage<?> command, Supplier<String> what) {
    command.whenComplete(
        (v, e) -> {
          if (e != null) {
            failed(1, what, e);
          }
        });
  }

  /**
   * {@code n} more failed; {@code what} (made only for a line that is logged) says what failed and
   * what follows from it.
   */
  void failed(long n, Supplier<String> what, Throwable failure) {
    Throwable error =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (quiet.getAsBoolean()) {
      log.debug("{}: {}", what.get(), error.toString());
      return;
    }
    long since = counted(n);
    if (since > 0) {
      log.warn(
          "{} ({} {} since the last such line): {}", what.get(), since, unit, error.toString());
    }
  }

  /**
   * {@code n} more were lost where no command failed (entries trimmed away): logged and counted as
   * {@link #failed} does, without an error, and never quiet (a loss is one whatever the session
   * does).
   */
  void lost(long n, Supplier<String> what) {
    long since = counted(n);
    if (since > 0) {
      log.warn("{} ({} {} since the last such line)", what.get(), since, unit);
    }
  }

  /** Counts {@code n} more; how many since the last line when a line is due now, else 0. */
  private synchronized long counted(long n) {
    count += n;
    long now = nanoTime.getAsLong();
    if (logged && now - lineAt < EVERY_NANOS) {
      return 0;
    }
    logged = true;
    lineAt = now;
    long since = count - countAtLine;
    countAtLine = count;
    return since;
  }

  /** Failures counted so far. */
  synchronized long count() {
    return count;
  }
}
