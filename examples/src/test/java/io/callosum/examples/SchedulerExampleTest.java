package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.examples.scheduler.Worker;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code callosum example scheduler}: worker processes, calls by capacity adverts and round robin,
 * every worker process gone at the end.
 */
@Timeout(300)
class SchedulerExampleTest {
  private static final Pattern WORKER_ROW =
      Pattern.compile("(?m)^  calls on worker (\\d+) \\((\\d) ms\\) +([\\d,]+) +([\\d,]+)$");

  @Test
  void bothPoliciesServeEveryCallAndTheWorkersEndWithTheCommand() {
    int workers = Leftovers.onCi() ? 2 : 4;
    int calls = Leftovers.onCi() ? 200 : 1000;
    ToolRun run =
        ToolRun.of(
            "example",
            "scheduler",
            "--workers",
            Integer.toString(workers),
            "--calls",
            Integer.toString(calls),
            "--warm-up",
            Leftovers.onCi() ? "20" : "500",
            "--rounds",
            Leftovers.onCi() ? "1" : "2");
    assertEquals(ExitCodes.OK, run.exit(), run::toString);
    assertEquals("", run.err(), run::toString);
    assertTrue(run.out().contains(workers + " worker processes"), run::toString);
    for (String row : new String[] {"calls/s", "latency p50 (ms)", "latency p99 (ms)"}) {
      assertTrue(run.out().contains("\n  " + row), () -> row + " missing:\n" + run);
    }
    assertTrue(run.out().contains("By capacity: "), run::toString);
    assertEquals(
        !Leftovers.onCi(),
        run.out().contains("Rounds (ms; the table shows the median round of each): by capacity "),
        run::toString);
    Matcher m = WORKER_ROW.matcher(run.out());
    long byCapacity = 0;
    int rows = 0;
    while (m.find()) {
      byCapacity += Long.parseLong(m.group(3).replace(",", ""));
      long roundRobin = Long.parseLong(m.group(4).replace(",", ""));
      assertEquals(calls / workers, roundRobin, "round robin gives each worker its share");
      rows++;
    }
    assertEquals(workers, rows, run::toString);
    assertEquals(calls, byCapacity, "every call by capacity was served once");
    assertEquals(List.of(), Leftovers.alive(Worker.class.getName()), "worker processes left");
  }

  @Test
  void aWorkerCountOutOfRangeIsAUsageError() {
    ToolRun run = ToolRun.of("example", "scheduler", "--workers", "0");
    run.assertExit(ExitCodes.USAGE, "--workers takes 1 to 64, not 0");
  }
}
