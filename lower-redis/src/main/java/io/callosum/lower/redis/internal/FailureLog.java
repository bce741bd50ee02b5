package io.callosum.lower.redis.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Logs one kind of Redis failure at WARN without flooding the log: the first, then at most one line
 * per ten seconds, each saying how many there were since the line before (every failure is
 * counted). While {@code quiet} holds (the session is closing, or down: the session has said so
 * once) a failure is expected and logged at DEBUG only, uncounted. Thread-safe: failures are
 * reported on Lettuce's threads and on loops alike.
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
    long since;
    synchronized (this) {
      count += n;
      long now = nanoTime.getAsLong();
      if (logged && now - lineAt < EVERY_NANOS) {
        return;
      }
      logged = true;
      lineAt = now;
      since = count - countAtLine;
      countAtLine = count;
    }
    log.warn("{} ({} {} since the last such line): {}", what.get(), since, unit, error.toString());
  }

  /** Failures counted so far. */
  synchronized long count() {
    return count;
  }
}
