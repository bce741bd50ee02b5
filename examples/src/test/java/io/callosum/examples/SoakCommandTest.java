package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code callosum soak}: a short soak with faults over both lowers and the gateways, in a JVM of
 * its own (so that its baseline of threads, descriptors and heap is its own), must pass; and its
 * options are checked.
 */
class SoakCommandTest {
  /** Long enough for every kind of fault a few times (they come every 1 to 3 s). */
  private static final String DURATION = "45s";

  @Test
  void aShortSoakOverBothLowersPasses(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    Process p =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    Callosum.class.getName(),
                    "soak",
                    "--duration",
                    DURATION,
                    "--lower",
                    "both",
                    "--seed",
                    "20261206"))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    boolean ended = p.waitFor(5, TimeUnit.MINUTES);
    if (!ended) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String summary = read(out);
    System.out.print(summary);
    String run = "stdout:\n" + summary + "stderr:\n" + read(err);
    assertTrue(ended, () -> "the soak did not end within 5 minutes\n" + run);
    assertEquals(ExitCodes.OK, p.exitValue(), run);
    assertTrue(summary.contains("violations: 0"), run);
    for (String kind : List.of("latency", "bandwidth", "stall", "reset", "half open", "restart")) {
      assertTrue(summary.contains(kind + " "), () -> "no " + kind + " fault in\n" + run);
    }
    assertTrue(summary.lines().anyMatch(l -> l.startsWith("calls: ")), run);
    assertTrue(summary.strip().endsWith("PASSED"), run);
  }

  private static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }

  @Test
  void optionsAreChecked() {
    ToolRun.of("soak").assertExit(ExitCodes.USAGE, "--duration");
    ToolRun.of("soak", "--duration", "soon").assertExit(ExitCodes.USAGE, "not a duration");
    ToolRun.of("soak", "--duration", "1s", "--lower", "udp")
        .assertExit(ExitCodes.USAGE, "'udp' is not one of tcp, zmq, both");
    ToolRun.of("soak", "--duration", "1s", "--seed", "x").assertExit(ExitCodes.USAGE, "--seed");
  }

  @Test
  void helpSaysWhatIsCheckedAndTheExitCodes() {
    ToolRun run = ToolRun.of("soak", "--help");
    assertEquals(ExitCodes.OK, run.exit(), run::toString);
    String help = run.out().replaceAll("\\s+", " ");
    assertTrue(help.contains("Usage: callosum soak"), run::toString);
    assertTrue(help.contains("exactly once"), run::toString);
    assertTrue(help.contains("at least one violation"), run::toString);
  }
}
