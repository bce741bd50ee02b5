package io.callosum.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.redis.testing.RedisServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the harness briefly so that the benchmark code cannot rot; the figures themselves are not
 * checked. Every scenario runs once in one JVM ({@code --same-jvm}: every serving side's code, its
 * commands and the reports), and two scenarios run as they do by default, their serving sides in
 * worker JVMs that must start, serve, report their costs and stop.
 */
class BenchSmokeTest {
  private static final String[] SMOKE = {
    "--quick", "--rounds", "1", "--warmups", "0", "--measure-ms", "20"
  };

  @Test
  @Timeout(120)
  void quickRunOfEveryScenarioPrintsTheTablesAndWritesTheFiles(@TempDir Path dir) throws Exception {
    long start = System.nanoTime();

    Run run = run("--same-jvm", "--out", dir.toString());

    assertEquals(0, run.code, run.log);
    assertTrue(
        Duration.ofNanos(System.nanoTime() - start).toSeconds() < 60, "a quick run takes seconds");
    String table = run.table;
    assertTrue(table.contains("every client and serving side in this one JVM (--same-jvm)"), table);
    for (Scenario scenario : Scenario.values()) {
      assertTrue(table.contains("### " + scenario.title), scenario + " missing:\n" + table);
    }
    assertTrue(table.contains("| raw-socket |"), table);
    assertTrue(table.contains("| 64 | callosum-tcp-direct |"), table);
    assertTrue(table.contains("| 64 | callosum-zmq |"), table);
    for (String contender :
        List.of(
            "raw-socket-copy",
            "tls-socket-copy",
            "callosum-tcp-curve",
            "callosum-zmq-curve",
            "grpc-plaintext",
            "capacity-broadcast",
            "round-robin",
            "callosum-tcp-channels",
            "callosum-tunnel-direct")) {
      assertTrue(table.contains("| " + contender + " |"), contender + " missing:\n" + table);
    }
    assertTrue(
        Pattern.compile("\\| callosum-tcp-curve \\|.*\\| tls-socket-copy \\|")
            .matcher(table)
            .find(),
        "the encrypted bulk stream is compared with TLS:\n" + table);
    boolean redis = RedisServer.installed();
    assertEquals(redis, table.contains("| redis |"), table);
    assertEquals(!redis, table.contains("apt-get install redis-server"), table);
    assertEquals(redis, table.contains("| 64 | callosum-redis |"), table);
    assertTrue(
        table
                .replace("| skipped: redis |", "")
                .replace("| skipped: callosum-redis |", "")
                .indexOf("skipped")
            < 0,
        table);
    assertTrue(!table.contains(" failed in "), table);

    List<String> csv = Files.readAllLines(dir.resolve("results.csv"));
    assertEquals("scenario,in_flight,contender,round,metric,value", csv.get(0));
    int p2 = Scenario.P2.contenders.size();
    assertEquals(
        p2,
        csv.stream().filter(line -> line.startsWith("P2,") && line.contains(",p99.9_us,")).count(),
        String.join("\n", csv));
    for (String row :
        List.of(
            "P1,64,callosum-tcp,0,switches_per_call,",
            "P1,64,callosum-tcp,0,cpu_us_per_call,",
            "P2,1,callosum-tcp,0,p50_us,",
            "P3,1,callosum-tcp,0,MB_per_s,",
            "P3,1,tls-socket-copy,0,MB_per_s,",
            "P4,1,callosum-tcp-curve,0,p99_ms,",
            "P4,1,raw-tcp,0,connects,",
            "P4,1,raw-jeromq,0,p50_ms,",
            "P5,1,callosum-tcp,0,delivered_pct,",
            "P5,1,callosum-tcp,0,cpu_ns_per_delivery,",
            "P6,1,round-robin,0,calls_per_s,",
            "P7,1,callosum-zmq,0,heap_KiB_per_conn,",
            "P7,1,callosum-tcp,0,connections,",
            "P8,1,callosum-tunnel-direct,0,p50_us,")) {
      assertTrue(
          csv.stream().anyMatch(line -> line.startsWith(row)),
          row + " missing:\n" + String.join("\n", csv));
    }
    assertTrue(Files.readString(dir.resolve("results.json")).contains("\"summary\""));
    assertTrue(Files.exists(dir.resolve("report.md")));
    for (String png :
        List.of(
            "p1-ratios",
            "p2-latency",
            "p2-distribution",
            "p4-distribution",
            "p3-figures",
            "p4-figures",
            "p5-figures",
            "p6-figures",
            "p7-figures",
            "p8-figures")) {
      assertTrue(Files.size(dir.resolve(png + ".png")) > 0, png + " is written");
    }
    assertTrue(
        Files.readString(dir.resolve("p2-raw-socket.hgrm")).contains("Percentile"),
        "the HdrHistogram distribution");
  }

  @Test
  @Timeout(120)
  void byDefaultServingSidesRunInWorkerProcessesThatReportTheirCostAndStop() {
    Run run = run("--scenarios", "P2,P3");

    assertEquals(0, run.code, run.log);
    String table = run.table;
    assertTrue(table.contains("each contender's serving side in a worker JVM of its own"), table);
    // the worker's own CPU time and wake-ups are counted (in parentheses), beside the harness's
    assertTrue(
        Pattern.compile(
                "\\| raw-socket \\|.*\\| [0-9.]+ \\([0-9.]+\\) \\| [0-9.]+ \\([0-9.]+\\) \\|")
            .matcher(table)
            .find(),
        table);
    assertTrue(table.contains("| callosum-inproc-direct (same JVM) |"), table);
    assertTrue(table.contains("| callosum-inproc (same JVM) |"), table);
    assertTrue(table.contains("| tls-socket-copy |"), table);
    assertTrue(!table.contains(" failed in ") && !table.contains("skipped"), table);
    assertEquals(
        0,
        ProcessHandle.current().children().filter(ProcessHandle::isAlive).count(),
        "every worker JVM has exited");
  }

  @Test
  @Timeout(60)
  void aChartWhoseBaselineDidNotRunIsLeftOut(@TempDir Path dir) throws Exception {
    Run run =
        run("--same-jvm", "--scenarios", "P1", "--only", "raw-jeromq", "--out", dir.toString());

    assertEquals(0, run.code, run.log);
    assertTrue(run.table.contains("| 64 | raw-jeromq |"), run.table);
    assertTrue(Files.exists(dir.resolve("results.csv")));
    assertTrue(!Files.exists(dir.resolve("p1-ratios.png")), "no ratios without raw-nio");
  }

  @Test
  void badArgumentsAreRefusedWithUsage() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    int code =
        Bench.run(
            new String[] {"--scenarios", "P9"},
            sink,
            new PrintStream(err, true, StandardCharsets.UTF_8));

    assertEquals(2, code);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown scenario P9"));
  }

  private record Run(int code, String table, String log) {}

  private static Run run(String... more) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] args = new String[SMOKE.length + more.length];
    System.arraycopy(SMOKE, 0, args, 0, SMOKE.length);
    System.arraycopy(more, 0, args, SMOKE.length, more.length);
    int code =
        Bench.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
