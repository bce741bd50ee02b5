package io.callosum.examples.soak;

import io.callosum.OrderKey;
import io.callosum.examples.soak.Violations.Kind;
import java.util.HashMap;
import java.util.Map;

/**
 * The callee's check of {@code KEY_SERIALIZED}: calls of one order key run one at a time. A handler
 * enters the gate when it starts and leaves it when it returns; finding another call of its key
 * inside is a violation. Thread-safe (handler threads).
 */
final class SerialGate {
  private final String site;
  private final Violations violations;
  private final Map<OrderKey, Integer> running = new HashMap<>(); // guarded by this

  SerialGate(String site, Violations violations) {
    this.site = site;
    this.violations = violations;
  }

  /** A call of {@code key} starts. */
  synchronized void enter(OrderKey key) {
    int before = running.getOrDefault(key, 0);
    if (before > 0) {
      violations.add(
          Kind.ORDER,
          site + ": a call of key " + key + " started while " + before + " of it were running");
    }
    running.put(key, before + 1);
  }

  /** The call of {@code key} that entered has returned. */
  synchronized void exit(OrderKey key) {
    running.computeIfPresent(key, (k, n) -> n > 1 ? n - 1 : null);
  }
}
