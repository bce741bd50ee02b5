package io.callosum.examples.soak;

import io.callosum.examples.soak.Violations.Kind;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The outcome of a soak, and the summary {@code callosum soak} prints: calls per kind, outcomes
 * (errors by type), faults injected, fan-out counts, violations with examples, and resources at the
 * start and the end.
 *
 * @param settings what ran
 * @param plan the fault plan it played
 * @param calls calls made, per kind
 * @param outcomes how they ended: OK, an error code, or cancelled by their caller
 * @param faults faults applied, per kind
 * @param skippedRestarts restarts skipped because their target was still restarting
 * @param fanout one line per fan-out site
 * @param violations what was found wrong
 * @param baseline resources after the warm-up
 * @param end resources once everything had closed
 * @param idleHeapBefore heap in use with the world open and idle, before the run
 * @param idleHeapAfter the same after the run, before the world closed
 */
public record SoakReport(
    Soak.Settings settings,
    FaultPlan plan,
    Map<String, Long> calls,
    Map<String, Long> outcomes,
    Map<FaultPlan.Kind, Long> faults,
    long skippedRestarts,
    List<String> fanout,
    Violations violations,
    ResourceUse baseline,
    ResourceUse end,
    long idleHeapBefore,
    long idleHeapAfter) {

  /** Whether nothing was found wrong. */
  public boolean passed() {
    return violations.total() == 0;
  }

  /** Writes the summary. */
  public void print(PrintWriter out) {
    out.printf(
        "soak: %d s over %s%s, seed %d%n",
        settings.duration().toSeconds(),
        settings.lowers().stream().map(Lower::label).collect(Collectors.joining(" and ")),
        settings.lowers().contains(Lower.TCP) ? " and a gateway pair" : "",
        settings.seed());
    out.printf("calls: %d (%s)%n", sum(calls), join(calls));
    out.printf("outcomes: %s%n", join(outcomes));
    out.printf(
        "faults injected: %d of %d planned (%s)%s; plan fingerprint %s%n",
        sum(faults),
        plan.faults().size(),
        join(faults),
        skippedRestarts > 0 ? ", " + skippedRestarts + " restarts skipped (target busy)" : "",
        plan.fingerprint());
    fanout.forEach(line -> out.println("fan-out " + line));
    out.printf("violations: %d%n", violations.total());
    for (Map.Entry<Kind, Long> e : violations.counts().entrySet()) {
      out.printf("  %s: %d%n", e.getKey(), e.getValue());
      violations.examples(e.getKey()).forEach(x -> out.println("    " + x));
    }
    out.printf(
        Locale.ROOT,
        "resources: heap %.1f -> %.1f MiB (after GC), fds %s -> %s, threads %d -> %d%n",
        baseline.heapBytes() / 1048576.0,
        end.heapBytes() / 1048576.0,
        fds(baseline),
        fds(end),
        baseline.threadCount(),
        end.threadCount());
    out.printf(
        Locale.ROOT,
        "open world, idle: heap %.1f -> %.1f MiB (after GC)%n",
        idleHeapBefore / 1048576.0,
        idleHeapAfter / 1048576.0);
    out.println(passed() ? "PASSED" : "FAILED");
    out.flush();
  }

  private static String fds(ResourceUse r) {
    return r.fds() < 0 ? "?" : String.valueOf(r.fds());
  }

  private static long sum(Map<?, Long> m) {
    return m.values().stream().mapToLong(Long::longValue).sum();
  }

  private static String join(Map<?, Long> m) {
    return m.entrySet().stream()
        .map(
            e ->
                e.getKey().toString().toLowerCase(Locale.ROOT).replace('_', ' ')
                    + " "
                    + e.getValue())
        .collect(Collectors.joining(", "));
  }
}
