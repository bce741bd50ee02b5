package io.callosum.examples.soak;

import io.callosum.examples.soak.Violations.Kind;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The callee's check that no call runs twice: the workload numbers each caller's calls, and a
 * handler marks its call's number when it starts. The lowers never retry, so a number seen twice
 * means a request was delivered twice. One bit per call; thread-safe (handler threads).
 */
final class RunOnce {
  private final String site;
  private final Violations violations;
  private final Map<String, BitSet> seen = new HashMap<>(); // guarded by this

  RunOnce(String site, Violations violations) {
    this.site = site;
    this.violations = violations;
  }

  /** Call {@code id} of {@code caller} starts to run. */
  synchronized void started(String caller, long id) {
    BitSet ids = seen.computeIfAbsent(caller, c -> new BitSet());
    if (ids.get((int) id)) {
      violations.add(Kind.DUPLICATE, site + ": call " + caller + "#" + id + " ran twice");
    }
    ids.set((int) id);
  }
}
