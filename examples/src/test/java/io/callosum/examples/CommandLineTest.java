package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Help, version and usage errors of the tool. */
class CommandLineTest {
  @Test
  void versionNamesTheProjectVersionAndTheLowers() {
    ToolRun run = ToolRun.of("--version");
    assertEquals(ExitCodes.OK, run.exit(), run::toString);
    assertTrue(run.out().startsWith("callosum 0."), run::toString);
    assertTrue(run.out().contains("lowers: inproc://"), run::toString);
  }

  @Test
  void everyCommandHasHelp() {
    for (String command : new String[] {"demo", "serve", "call", "keygen"}) {
      ToolRun run = ToolRun.of(command, "--help");
      assertEquals(ExitCodes.OK, run.exit(), run::toString);
      assertTrue(run.out().contains("Usage: callosum " + command), run::toString);
      assertTrue(run.out().contains("Exit codes:"), run::toString);
    }
    ToolRun top = ToolRun.of("--help");
    assertEquals(ExitCodes.OK, top.exit(), top::toString);
    assertTrue(
        top.out().contains("demo")
            && top.out().contains("serve")
            && top.out().contains("call")
            && top.out().contains("keygen"),
        top::toString);
  }

  @Test
  void serveHelpSaysInprocIsForOneJvm() {
    ToolRun run = ToolRun.of("serve", "--help");
    assertTrue(
        run.out().replaceAll("\\s+", " ").contains("reachable only from the same JVM"),
        run::toString);
  }

  @Test
  void serveAndGatewayHelpTellTheGracePeriodAndItsExitCodes() {
    for (String command : new String[] {"serve", "gateway"}) {
      String help = ToolRun.of(command, "--help").out();
      assertTrue(help.contains("--grace=DURATION"), help);
      assertTrue(help.contains("\n  " + ExitCodes.OK + "   "), help);
      assertTrue(help.contains("\n  " + ExitCodes.CUT_SHORT + "  "), help);
    }
  }

  @Test
  void callHelpListsEveryExitCode() {
    String help = ToolRun.of("call", "--help").out();
    for (int code = ExitCodes.OK; code <= ExitCodes.AUTHENTICATION; code++) {
      assertTrue(help.contains("\n  " + code + "   "), "exit code " + code + " in\n" + help);
    }
  }

  @Test
  void usageErrorsExitWithTwo() {
    for (String[] args :
        new String[][] {
          {},
          {"nonsense"},
          {"call", "echo"},
          {"keygen"},
          {"keygen", "a", "b"},
          {"call", "--connect", "no-scheme", "echo"},
          {"call", "--connect", "inproc://x", "--timeout", "soon", "echo"},
          {"serve", "--bind", "inproc://x", "--ordering", "random"}
        }) {
      ToolRun run = ToolRun.of(args).assertExit(ExitCodes.USAGE, "--help' for more information.");
      assertTrue(run.err().startsWith("callosum: "), run::toString);
    }
  }
}
