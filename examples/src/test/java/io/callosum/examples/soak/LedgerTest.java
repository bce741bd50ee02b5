package io.callosum.examples.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.CallTimeoutException;
import io.callosum.ConnectionLostException;
import io.callosum.ErrorCode;
import io.callosum.RemoteInternalException;
import io.callosum.examples.soak.Violations.Kind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The soak's book of calls finds every way a call can fail to complete exactly once. */
class LedgerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(8);
  private static final Duration GRACE = Duration.ofSeconds(15);

  private final AtomicLong now = new AtomicLong();
  private final Violations violations = new Violations();
  private final Ledger ledger = new Ledger(violations, GRACE, now::get);

  private Ledger.Ticket open() {
    return ledger.open("unary", TIMEOUT, Set.of());
  }

  @Test
  void callsThatCompleteOnceWithAResultOrATypedErrorAreFine() {
    open().succeeded();
    open().failed(new ConnectionLostException("cut"));
    open().failed(new CompletionException(new CallTimeoutException("late")));
    Ledger.Ticket cancelled = open();
    cancelled.cancelling();
    cancelled.failed(new CancellationException());
    now.addAndGet(TIMEOUT.plus(GRACE).toNanos() * 10);
    ledger.checkOverdue();
    ledger.reportOpen();
    assertEquals(0, violations.total(), violations.counts()::toString);
    assertEquals(0, ledger.openCalls());
    assertEquals(Map.of("unary", 4L), ledger.calls());
    assertEquals(
        Map.of("OK", 1L, "CONNECTION_LOST", 1L, "TIMEOUT", 1L, Ledger.CANCELLED_BY_CALLER, 1L),
        ledger.outcomes());
  }

  @Test
  void aSecondCompletionIsADuplicate() {
    Ledger.Ticket t = open();
    t.succeeded();
    t.failed(new ConnectionLostException("late news"));
    assertEquals(1, violations.count(Kind.DUPLICATE));
    assertEquals(Map.of("OK", 1L), ledger.outcomes(), "the duplicate is not counted as an outcome");
  }

  @Test
  void aCallStillOpenPastItsTimeoutAndGraceIsMissingOnce() {
    Ledger.Ticket silent = open();
    now.addAndGet(TIMEOUT.plus(GRACE).toNanos());
    ledger.checkOverdue();
    assertEquals(0, violations.total(), "not yet: the deadline itself is allowed");
    now.addAndGet(1);
    ledger.checkOverdue();
    ledger.checkOverdue();
    assertEquals(1, violations.count(Kind.MISSING));
    silent.succeeded(); // a completion after the deadline does not undo the silence
    assertEquals(1, violations.total());
  }

  @Test
  void callsLeftOpenAtTheEndAreMissing() {
    open();
    open().succeeded();
    ledger.reportOpen();
    ledger.reportOpen();
    assertEquals(1, violations.count(Kind.MISSING));
  }

  @Test
  void anErrorOutsideTheFamilyIsUntyped() {
    open().failed(new IllegalStateException("not a CallosumException"));
    open().failed(new CancellationException()); // nobody cancelled this one
    assertEquals(2, violations.count(Kind.UNTYPED_ERROR));
  }

  @Test
  void anErrorTheCallCannotExplainIsUnexpected() {
    open()
        .failed(new RemoteInternalException(ErrorCode.BAD_MESSAGE, "callosum.BadMessage", "x", ""));
    ledger
        .open("failing", TIMEOUT, Set.of(ErrorCode.REMOTE_USER_ERROR))
        .failed(
            new RemoteInternalException(
                ErrorCode.NO_SUCH_METHOD, "callosum.NoSuchMethod", "y", ""));
    assertEquals(2, violations.count(Kind.UNEXPECTED_ERROR));
    assertEquals(Map.of("BAD_MESSAGE", 1L, "NO_SUCH_METHOD", 1L), ledger.outcomes());
  }

  @Test
  void aWrongResultIsReported() {
    open().wrong("answered 3 for 2 + 2");
    assertEquals(1, violations.count(Kind.WRONG_RESULT));
    assertTrue(violations.examples(Kind.WRONG_RESULT).get(0).contains("answered 3"));
  }

  @Test
  void settleWhenDoneChecksResultsAndClassifiesErrors() {
    CompletableFuture<Object> right = new CompletableFuture<>();
    CompletableFuture<Object> wrong = new CompletableFuture<>();
    CompletableFuture<Object> failed = new CompletableFuture<>();
    for (CompletableFuture<Object> f : List.of(right, wrong, failed)) {
      var unused = ledger.settleWhenDone(open(), f, v -> v.equals(4) ? null : "not 4: " + v);
    }
    CompletableFuture<Object> shapeless = new CompletableFuture<>();
    var unused = ledger.settleWhenDone(open(), shapeless, v -> ((String) v).isEmpty() ? "" : null);
    right.complete(4);
    wrong.complete(5);
    failed.completeExceptionally(new ConnectionLostException("cut"));
    shapeless.complete(6); // the check throws: still settled, as a wrong result
    assertEquals(0, ledger.openCalls());
    assertEquals(2, violations.total());
    assertEquals(2, violations.count(Kind.WRONG_RESULT));
  }
}
