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
  @Timeout(120)
  void quickRunOfEveryScenarioPrintsTheTablesAndWritesTheFiles(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    long start = System.nanoTime();

    int code = Bench.run(new String[] {"--quick", "--rounds", "1", "--warmups", "0", "--measure-ms", "20",
        "--out", dir.toString()},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

    String table = out.toString(StandardCharsets.UTF_8);
    String log = err.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, log);
    assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 60, "a quick run takes seconds");
    for (Scenario scenario : Scenario.values()) {
      assertTrue(table.contains("### " + scenario.title), scenario + " missing:\n" + table);
    }
    assertTrue(table.contains("| raw-socket |"), table);
    assertTrue(table.contains("| 64 | callosum-tcp-direct |"), table);
    for (String contender : List.of("raw-socket-copy", "callosum-tcp-curve", "callosum-zmq-curve", "grpc-plaintext",
        "capacity-broadcast", "round-robin", "callosum-tcp-channels")) {
      assertTrue(table.contains("| " + contender + " |"), contender + " missing:\n" + table);
    }
    boolean redis = Fanout.Redis.find("redis-server") != null;
    assertEquals(redis, table.contains("| redis |"), table);
    assertEquals(!redis, table.contains("apt-get install redis-server"), table);
    assertTrue(table.replace("fanout_redis", "").indexOf("skipped") < 0, table);

    List<String> csv = Files.readAllLines(dir.resolve("results.csv"));
    assertEquals("scenario,in_flight,contender,round,metric,value", csv.get(0));
    int p2 = Scenario.P2.contenders.size();
    assertEquals(p2, csv.stream().filter(line -> line.startsWith("P2,") && line.contains(",p99.9_us,")).count(),
        String.join("\n", csv));
    assertTrue(csv.stream().anyMatch(line -> line.startsWith("P1,64,callosum-tcp,0,switches_per_call,")), "hand-offs counted");
    assertTrue(csv.stream().anyMatch(line -> line.startsWith("P2,1,callosum-tcp,0,p50_us,")), String.join("\n", csv));
    assertTrue(csv.stream().anyMatch(line -> line.startsWith("P3,1,callosum-tcp,0,MB_per_s,")), String.join("\n", csv));
    assertTrue(csv.stream().anyMatch(line -> line.startsWith("P4,1,callosum-tcp-curve,0,p99_ms,")), String.join("\n", csv));
    assertTrue(csv.stream().anyMatch(line -> line.startsWith("P5,1,callosum-tcp,0,delivered_pct,")), String.join("\n", csv));
    assertTrue(csv.stream().anyMatch(line -> line.startsWith("P6,1,round-robin,0,calls_per_s,")), String.join("\n", csv));
    assertTrue(csv.stream().anyMatch(line -> line.startsWith("P7,1,callosum-zmq,0,heap_KiB_per_conn,")), String.join("\n", csv));
    assertTrue(Files.readString(dir.resolve("results.json")).contains("\"summary\""));
    assertTrue(Files.exists(dir.resolve("report.md")));
    for (String png : List.of("p1-ratios", "p2-latency", "p2-distribution", "p4-distribution", "p3-figures", "p4-figures",
        "p5-figures", "p6-figures", "p7-figures")) {
      assertTrue(Files.size(dir.resolve(png + ".png")) > 0, png + " is written");
    }
    assertTrue(Files.readString(dir.resolve("p2-raw-socket.hgrm")).contains("Percentile"), "the HdrHistogram distribution");
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
