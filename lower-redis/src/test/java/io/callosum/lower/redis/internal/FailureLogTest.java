package io.callosum.lower.redis.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.callosum.lower.redis.LogLines;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rate-limited WARN of failures that Acks, Claims, the reader's group making and the pipeline's
 * trims share, and the losses of entries trimmed away: the first, then at most one line per ten
 * seconds with how many since; failures are quiet (DEBUG, uncounted) while the session is closing
 * or down. A clock of the test's own.
 */
class FailureLogTest {
  private static final String NAME = FailureLogTest.class.getName();
  private final Logger log = LoggerFactory.getLogger(FailureLogTest.class);
  private final long mark = LogLines.mark();
  private final AtomicLong now = new AtomicLong(1_000);
  private final AtomicBoolean quiet = new AtomicBoolean();
  private final FailureLog failures = new FailureLog(log, "entries", quiet::get, now::get);
  private final IOException error = new IOException("boom");

  @BeforeAll
  static void logs() {
    LogLines.install();
  }

  /** What this test's logger wrote (at WARN and above: the tests' level), without the prefix. */
  private List<String> lines() {
    return LogLines.since(mark, l -> l.contains(NAME + " - ")).stream()
        .map(l -> l.substring(l.indexOf("] ") + 2).replace(NAME + " - ", ""))
        .toList();
  }

  @Test
  public void theFirstThenOneLinePerTenSecondsWithTheCount() {
    failures.failed(3, () -> "could not", error);
    failures.failed(5, () -> "could not", error);
    now.addAndGet(FailureLog.EVERY_NANOS - 1);
    failures.failed(7, () -> "could not", error);
    assertEquals(List.of("WARN could not (3 entries since the last such line): " + error), lines());

    now.addAndGet(1);
    failures.failed(1, () -> "could not", error);
    assertEquals(
        List.of(
            "WARN could not (3 entries since the last such line): " + error,
            "WARN could not (13 entries since the last such line): " + error),
        lines());
    assertEquals(16, failures.count());
  }

  @Test
  public void lossesAreLoggedTheSameWithoutAnErrorAndNeverQuiet() {
    quiet.set(true);
    failures.lost(60, () -> "60 lost");
    failures.lost(2, () -> "2 lost");
    now.addAndGet(FailureLog.EVERY_NANOS);
    failures.lost(3, () -> "3 lost");
    assertEquals(
        List.of(
            "WARN 60 lost (60 entries since the last such line)",
            "WARN 3 lost (5 entries since the last such line)"),
        lines());
    assertEquals(65, failures.count());
  }

  @Test
  public void quietWhileClosingAndTheCommandsFailureUnwrapped() {
    quiet.set(true);
    failures.failed(2, () -> "closing", error);
    assertEquals(List.of(), lines(), "at DEBUG");
    assertEquals(0, failures.count());

    quiet.set(false);
    CompletableFuture<Void> command = new CompletableFuture<>();
    failures.watch(command, () -> "a claim failed");
    command.completeExceptionally(new CompletionException(error));
    assertEquals(
        List.of("WARN a claim failed (1 entries since the last such line): " + error), lines());
  }
}
