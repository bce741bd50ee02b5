package io.callosum.examples.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.callosum.OrderKey;
import io.callosum.examples.soak.Violations.Kind;
import org.junit.jupiter.api.Test;

/** The checks of ordering and of single delivery that the soak's callers and servers make. */
class OrderChecksTest {
  private final Violations violations = new Violations();

  @Test
  void repliesOfAKeyMayMissCallsButNotComeBackInTime() {
    ReplyOrder order = new ReplyOrder("site", violations);
    order.succeeded("k", 0);
    order.succeeded("k", 2); // call 1 failed: fine
    order.succeeded("other", 0); // keys are apart
    assertEquals(0, violations.total());
    order.succeeded("k", 1);
    assertEquals(1, violations.count(Kind.ORDER));
    order.succeeded("k", 3);
    assertEquals(1, violations.total());
  }

  @Test
  void twoRunsOfOneKeyAtOnceBreakSerialization() {
    SerialGate gate = new SerialGate("site", violations);
    OrderKey a = OrderKey.of("a");
    OrderKey b = OrderKey.of("b");
    gate.enter(a);
    gate.enter(b);
    gate.exit(a);
    gate.enter(a);
    assertEquals(0, violations.total());
    gate.enter(a);
    assertEquals(1, violations.count(Kind.ORDER));
  }

  @Test
  void aCallThatRunsTwiceIsADuplicate() {
    RunOnce once = new RunOnce("site", violations);
    once.started("lane-0", 0);
    once.started("lane-0", 1);
    once.started("lane-1", 0);
    assertEquals(0, violations.total());
    once.started("lane-0", 1);
    assertEquals(1, violations.count(Kind.DUPLICATE));
  }
}
