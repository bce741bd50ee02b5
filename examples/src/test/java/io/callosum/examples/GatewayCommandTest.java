package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code callosum gateway}, {@code callosum gateway status} and {@code callosum example
 * federation}, run in the test JVM.
 */
class GatewayCommandTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void theFederationExampleRunsWithOneCommand() {
    ToolRun run = ToolRun.of("example", "federation", "--free-ports");
    assertEquals(ExitCodes.OK, run.exit(), run::toString);
    assertTrue(run.out().contains("link hq <-> edge is up"), run::toString);
    assertTrue(run.out().contains("manager <- agent-1: 100%"), run::toString);
    assertTrue(run.out().contains("manager <- agent-2: 100%"), run::toString);
    assertTrue(
        run.out().contains("manager <- agent-2 result: job-2 done by agent-2"), run::toString);
    assertTrue(run.out().contains("Every call behaved as shown."), run::toString);
  }

  @Test
  void aGatewayRunsUntilStoppedAndReportsItsStatus(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("gw.yaml");
    Files.writeString(
        config, "cluster: lab\nlisten: tcp://127.0.0.1:0\nadmin: tcp://127.0.0.1:0\n");
    WatchedWriter out = new WatchedWriter();
    WatchedWriter err = new WatchedWriter();
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    Thread t =
        new Thread(
            () ->
                exit.complete(
                    Callosum.commandLine()
                        .setOut(new PrintWriter(out))
                        .setErr(new PrintWriter(err))
                        .execute("gateway", "--config", config.toString())));
    t.start();
    try {
      String ready = out.awaitLine(l -> l.startsWith("READY "), WAIT);
      assertTrue(
          ready.matches(
              "READY cluster=lab peers=tcp://127\\.0\\.0\\.1:\\d+ links=-"
                  + " admin=tcp://127\\.0\\.0\\.1:\\d+ forwards=-"),
          ready);
      String admin = ready.replaceAll(".* admin=(\\S+) .*", "$1");
      ToolRun status = ToolRun.of("gateway", "status", "--admin", admin);
      assertEquals(ExitCodes.OK, status.exit(), status::toString);
      assertTrue(
          status
              .out()
              .contains(
                  "gateway of cluster lab: 0 local connections, registered [], 0 channel legs, 0"
                      + " refusals"),
          status::toString);
      ToolRun json = ToolRun.of("gateway", "status", "--admin", admin, "--json");
      assertTrue(json.out().contains("\"cluster\":\"lab\""), json::toString);
    } finally {
      t.interrupt();
    }
    assertEquals(ExitCodes.OK, exit.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    t.join(WAIT.toMillis());
  }

  @Test
  void aWrongConfigurationIsRefusedNamingTheKey(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("gw.yaml");
    Files.writeString(config, "cluster: lab\nlisten: tcp://127.0.0.1:0\nlisen: oops\n");
    ToolRun run = ToolRun.of("gateway", "--config", config.toString());
    run.assertExit(ExitCodes.USAGE, "unknown key lisen");
    ToolRun.of("gateway").assertExit(ExitCodes.USAGE, "--config");
  }
}
