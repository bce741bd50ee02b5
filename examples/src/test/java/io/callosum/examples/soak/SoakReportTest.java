package io.callosum.examples.soak;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.examples.soak.Violations.Kind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A soak passes only without violations, and its summary says what it found. */
class SoakReportTest {
  private static SoakReport report(Violations v) {
    ResourceUse r = new ResourceUse(10 << 20, 40, Set.of("main"), 6);
    return new SoakReport(
        new Soak.Settings(Duration.ofSeconds(45), EnumSet.allOf(Lower.class), 7),
        FaultPlan.make(7, Duration.ofSeconds(45), List.of("tcp-none"), List.of("tcp-none")),
        Map.of("unary", 10L),
        new TreeMap<>(Map.of("OK", 9L, "CONNECTION_LOST", 1L)), // sorted, as the ledger gives them
        Map.of(FaultPlan.Kind.RESET, 3L),
        0,
        List.of("tcp-fanout: ..."),
        v,
        r,
        r,
        12 << 20,
        12 << 20);
  }

  private static String print(SoakReport r) {
    StringWriter out = new StringWriter();
    r.print(new PrintWriter(out));
    return out.toString();
  }

  @Test
  void aCleanRunPasses() {
    SoakReport r = report(new Violations());
    assertTrue(r.passed());
    String text = print(r);
    assertTrue(text.contains("calls: 10 (unary 10)"), text);
    assertTrue(text.contains("outcomes: connection lost 1, ok 9"), text);
    assertTrue(text.contains("violations: 0"), text);
    assertTrue(text.strip().endsWith("PASSED"), text);
  }

  @Test
  void oneMissingCallFailsTheRunAndIsShown() {
    Violations v = new Violations();
    v.add(Kind.MISSING, "unary call #4 never completed");
    SoakReport r = report(v);
    assertFalse(r.passed());
    String text = print(r);
    assertTrue(text.contains("violations: 1"), text);
    assertTrue(text.contains("MISSING: 1"), text);
    assertTrue(text.contains("unary call #4 never completed"), text);
    assertTrue(text.strip().endsWith("FAILED"), text);
  }
}
