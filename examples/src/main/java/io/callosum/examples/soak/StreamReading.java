package io.callosum.examples.soak;

import io.callosum.Body;
import io.callosum.CallosumException;
import io.callosum.StreamCall;
import io.callosum.examples.soak.Violations.Kind;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What a caller read from a stream call's downstream, whose items are {@code [id, 0]}, {@code [id,
 * 1]}, ...: how many came, whether the stream completed normally, failed, or the reader gave up at
 * its deadline. An item out of its place is reported at once ({@link Kind#STREAM}); so is a stream
 * that completed normally with another count of items than the call sent, whatever the call's
 * result (a normal end comes after every item). The call itself is settled with {@link #settle}
 * once its result is known.
 */
final class StreamReading {
  private final long items;
  private final boolean completed;
  private final String what;
  private final Violations violations;

  private StreamReading(long items, boolean completed, String what, Violations violations) {
    this.items = items;
    this.completed = completed;
    this.what = what;
    this.violations = violations;
  }

  /**
   * Reads {@code call}'s downstream to its end, or until {@code deadline} ({@code nanoTime}).
   * {@code what} names the stream in violations.
   */
  static StreamReading read(
      StreamCall call, long id, long deadline, String what, Violations violations)
      throws InterruptedException {
    long count = 0;
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return new StreamReading(count, false, what, violations); // the ledger reports the call
      }
      Body b;
      try {
        b = call.downstream().poll(Duration.ofNanos(Math.min(left, TimeUnit.SECONDS.toNanos(1))));
      } catch (CallosumException e) {
        return new StreamReading(count, false, what, violations); // the call's result says why
      }
      if (b == null) {
        if (call.downstream().isEnded()) {
          return new StreamReading(count, true, what, violations);
        }
        continue;
      }
      List<?> item = (List<?>) b.value();
      if (SoakService.number(item, 0) != id || SoakService.number(item, 1) != count) {
        violations.add(Kind.STREAM, what + ": item " + item + " where " + count + " was due");
      }
      count++;
    }
  }

  /**
   * Settles {@code t} once {@code result} completes: success needs a normally completed stream of
   * {@code expected} items and a result of {@code expected}.
   */
  void settle(Ledger.Ticket t, CompletableFuture<Object> result, long expected) {
    if (completed && items != expected) {
      violations.add(
          Kind.STREAM, what + ": completed after " + items + " items, " + expected + " were sent");
    }
    var unused = // the ticket sees every outcome
        result.whenComplete(
            (value, error) -> {
              if (error != null) {
                t.failed(error);
              } else if (!completed) {
                t.wrong(what + ": the call succeeded, its stream did not complete");
              } else if (!(value instanceof Number n && n.longValue() == expected)) {
                t.wrong(what + ": result " + value + ", not " + expected);
              } else {
                t.succeeded();
              }
            });
  }
}
