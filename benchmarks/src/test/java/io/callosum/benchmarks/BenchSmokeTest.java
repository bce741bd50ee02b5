package io.callosum.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Runs the harness briefly so that the benchmark code cannot rot; the figures themselves are not checked. */
class BenchSmokeTest {
  @Test
  @Timeout(30)
  void quickRunPrintsTheTableAndWritesTheFiles(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    long start = System.nanoTime();

    int code = Bench.run(new String[] {"--quick", "--scenarios", "P2", "--rounds", "1", "--out", dir.toString()},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

    String table = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 10, "a quick run takes seconds");
    assertTrue(table.contains("### P2 sequential latency (baseline: raw-socket)"), table);
    assertTrue(table.contains("| raw-socket |"), table);
    assertTrue(table.contains("| callosum-tcp |"), table);
    assertTrue(!table.contains("skipped"), table);

    List<String> csv = Files.readAllLines(dir.resolve("results.csv"));
    assertEquals("scenario,in_flight,contender,round,metric,value", csv.get(0));
    int contenders = Scenario.P2.contenders.size();
    assertEquals(1 + contenders * 3, csv.size(), String.join("\n", csv));
    assertTrue(csv.stream().anyMatch(line -> line.startsWith("P2,1,callosum-tcp,0,p50_us,")), String.join("\n", csv));
    assertTrue(Files.readString(dir.resolve("results.json")).contains("\"summary\""));
    assertTrue(Files.exists(dir.resolve("report.md")));
    assertTrue(Files.size(dir.resolve("p2-latency.png")) > 0, "the latency chart is written");
  }

  @Test
  void badArgumentsAreRefusedWithUsage() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    int code = Bench.run(new String[] {"--scenarios", "P9"}, sink, new PrintStream(err, true, StandardCharsets.UTF_8));

    assertEquals(2, code);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown scenario P9"));
  }
}
