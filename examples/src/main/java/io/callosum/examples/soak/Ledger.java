package io.callosum.examples.soak;

import io.callosum.CallosumException;
import io.callosum.ErrorCode;
import io.callosum.examples.soak.Violations.Kind;
import java.time.Duration;
import java.util.BitSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The soak's book of calls: every call is {@linkplain #open opened} before it is made and must be
 * settled exactly once — with a result its caller checked, or with a typed error — within its
 * timeout plus a grace period. A second settlement is a {@link Kind#DUPLICATE}, an error that is
 * not a {@link CallosumException} an {@link Kind#UNTYPED_ERROR}, an error code that the call did
 * not list as possible an {@link Kind#UNEXPECTED_ERROR}, and a call still open past its deadline
 * ({@link #checkOverdue}) a {@link Kind#MISSING}.
 *
 * <p>Thread-safe: tickets are opened by the workload's threads and settled on callback threads.
 * Memory: open tickets only, plus one bit per call made.
 */
public final class Ledger {
  /** Outcome name of a call its own caller cancelled ({@code future.cancel}). */
  public static final String CANCELLED_BY_CALLER = "CANCELLED_BY_CALLER";

  /** Outcome name of a successful call. */
  public static final String OK = "OK";

  /**
   * Errors that any call may meet while the network fails and servers restart: the connection
   * broke, the call timed out, the remote cancelled it (its caller's CANCEL), or it was refused as
   * overloaded.
   */
  private static final Set<ErrorCode> UNDER_FAULTS =
      Set.of(
          ErrorCode.CONNECTION_LOST, ErrorCode.TIMEOUT, ErrorCode.CANCELLED, ErrorCode.OVERLOADED);

  private final Violations violations;
  private final LongSupplier clock;
  private final long graceNanos;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, Ticket> open = new ConcurrentHashMap<>();
  private final BitSet settled = new BitSet(); // guarded by itself
  private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();

  /** A ledger on the system clock that reports to {@code violations}. */
  public Ledger(Violations violations, Duration grace) {
    this(violations, grace, System::nanoTime);
  }

  Ledger(Violations violations, Duration grace, LongSupplier clock) {
    this.violations = violations;
    this.graceNanos = grace.toNanos();
    this.clock = clock;
  }

  /**
   * Opens the book for one call of {@code kind} that must end within {@code timeout} (plus the
   * grace period); besides the errors any call may meet under network faults, it may fail with the
   * codes in {@code alsoExpected}.
   */
  public Ticket open(String kind, Duration timeout, Set<ErrorCode> alsoExpected) {
    Ticket t =
        new Ticket(
            ids.getAndIncrement(), kind, clock.getAsLong() + timeout.toNanos(), alsoExpected);
    calls.computeIfAbsent(kind, k -> new LongAdder()).increment();
    open.put(t.id, t);
    return t;
  }

  /**
   * Settles {@code t} once {@code future} completes: a result is checked with {@code check} (null
   * when right, else what is wrong), an error is classified. Returns the stage that completes once
   * the ticket is settled: wait on it rather than on {@code future}, so that the check runs where
   * the future completes (see {@link ReplyOrder}).
   */
  public <T> CompletableFuture<T> settleWhenDone(
      Ticket t, CompletableFuture<T> future, Function<? super T, String> check) {
    return future.whenComplete(
        (value, error) -> {
          if (error != null) {
            t.failed(error);
          } else {
            String wrong;
            try {
              wrong = check.apply(value);
            } catch (RuntimeException e) {
              wrong = "a result of the wrong shape: " + value + " (" + e + ")";
            }
            if (wrong == null) {
              t.succeeded();
            } else {
              t.wrong(wrong);
            }
          }
        });
  }

  /** Reports every call still open past its deadline as missing (once per call). */
  public void checkOverdue() {
    long now = clock.getAsLong();
    for (Ticket t : open.values()) {
      if (now - t.deadline - graceNanos > 0 && t.markReported()) {
        violations.add(
            Kind.MISSING,
            t.kind
                + " call #"
                + t.id
                + " got neither a result nor an error within "
                + Duration.ofNanos(now - t.opened).toSeconds()
                + " s");
      }
    }
  }

  /** Reports every call still open as missing: at the end, when no completion is due any more. */
  public void reportOpen() {
    for (Ticket t : open.values()) {
      if (t.markReported()) {
        violations.add(Kind.MISSING, t + " never completed");
      }
    }
  }

  /** How many calls are open now. */
  public int openCalls() {
    return open.size();
  }

  /** Calls made, per kind (sorted by kind). */
  public Map<String, Long> calls() {
    return snapshot(calls);
  }

  /** Outcomes: {@link #OK}, an {@link ErrorCode} name, or {@link #CANCELLED_BY_CALLER}. */
  public Map<String, Long> outcomes() {
    return snapshot(outcomes);
  }

  private static Map<String, Long> snapshot(Map<String, LongAdder> m) {
    Map<String, Long> s = new TreeMap<>();
    m.forEach((k, v) -> s.put(k, v.sum()));
    return s;
  }

  private boolean settle(Ticket t, String outcome) {
    synchronized (settled) {
      if (settled.get((int) t.id)) {
        violations.add(Kind.DUPLICATE, t.kind + " call #" + t.id + " completed again: " + outcome);
        return false;
      }
      settled.set((int) t.id);
    }
    open.remove(t.id);
    outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    return true;
  }

  /** The code of a typed error, unwrapped from the future's wrappers; null for an untyped one. */
  static ErrorCode codeOf(Throwable error) {
    Throwable e = unwrap(error);
    return e instanceof CallosumException c ? c.code() : null;
  }

  static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  /** One call in the book. Settle it with exactly one of its methods; any thread. */
  public final class Ticket {
    private final long id;
    private final String kind;
    private final long opened;
    private final long deadline;
    private final Set<ErrorCode> alsoExpected;
    private volatile boolean cancelling;
    private boolean reported; // guarded by this

    private Ticket(long id, String kind, long deadline, Set<ErrorCode> alsoExpected) {
      this.id = id;
      this.kind = kind;
      this.opened = clock.getAsLong();
      this.deadline = deadline;
      this.alsoExpected = alsoExpected;
    }

    /** The caller is about to cancel the call: a {@link CancellationException} is then its due. */
    public void cancelling() {
      cancelling = true;
    }

    /** The call returned the right result. */
    public void succeeded() {
      settle(this, OK);
    }

    /** The call returned a result that is not its answer. */
    public void wrong(String what) {
      if (settle(this, "WRONG_RESULT")) {
        violations.add(Kind.WRONG_RESULT, kind + " call #" + id + ": " + what);
      }
    }

    /** The call failed with {@code error}. */
    public void failed(Throwable error) {
      Throwable e = unwrap(error);
      ErrorCode code = codeOf(e);
      if (code != null) {
        if (settle(this, code.name())
            && !UNDER_FAULTS.contains(code)
            && !alsoExpected.contains(code)) {
          violations.add(Kind.UNEXPECTED_ERROR, kind + " call #" + id + ": " + e);
        }
      } else if (e instanceof CancellationException && cancelling) {
        settle(this, CANCELLED_BY_CALLER);
      } else if (settle(this, "UNTYPED")) {
        violations.add(Kind.UNTYPED_ERROR, kind + " call #" + id + ": " + e);
      }
    }

    private synchronized boolean markReported() {
      boolean first = !reported;
      reported = true;
      return first;
    }

    @Override
    public String toString() {
      return kind + " call #" + id;
    }
  }
}
