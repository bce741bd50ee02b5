package io.callosum.examples.soak;

import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.CallOutcome;
import io.callosum.examples.soak.Violations.Kind;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the calls one peer makes as caller, as the core reports them to interceptors: each call
 * that started must finish exactly once, so once the peer has closed (and its completions have run)
 * the two counts are equal. The core calls it on any thread.
 */
final class CallTally implements CallInterceptor {
  private static final long SETTLE_MILLIS = 5_000;

  private final LongAdder started = new LongAdder();
  private final LongAdder finished = new LongAdder();

  @Override
  public void started(CallInfo call) {
    if (call.side() == CallInfo.Side.CALLER) {
      started.increment();
    }
  }

  @Override
  public void finished(CallInfo call, CallOutcome outcome) {
    if (call.side() == CallInfo.Side.CALLER) {
      finished.increment();
    }
  }

  /**
   * After its peer closed: reports an {@link Kind#ACCOUNTING} violation unless the counts agree
   * (waiting a few seconds for completions still running on the peer's threads).
   */
  void check(String peer, Violations violations) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS);
    while (started.sum() != finished.sum() && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(10);
    }
    long s = started.sum();
    long f = finished.sum();
    if (s != f) {
      violations.add(
          Kind.ACCOUNTING,
          peer + ": " + s + " calls started and " + f + " finished once it had closed");
    }
  }
}
