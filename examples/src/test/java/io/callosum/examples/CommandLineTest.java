package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

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

  /**
   * The exit codes each command can return: 2 for every one (picocli's usage errors), 8 for those
   * whose failures are not all caught (the execution handler's code), 6 for those that bind or
   * connect, and each command's own.
   */
  private static final Map<String, Set<Integer>> EXIT_CODES =
      Map.ofEntries(
          Map.entry("demo", Set.of(0, 1, 2, 8)),
          Map.entry("serve", Set.of(0, 2, 6, 8, 10)),
          Map.entry("call", Set.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)),
          Map.entry("send", Set.of(0, 1, 2, 6, 8, 9)),
          Map.entry("receive", Set.of(0, 1, 2, 6, 8)),
          Map.entry("keygen", Set.of(0, 1, 2, 8)),
          Map.entry("example", Set.of(0, 1, 2, 6, 8)),
          Map.entry("example scheduler", Set.of(0, 1, 2)),
          Map.entry("example kv", Set.of(0, 1, 2)),
          Map.entry("example netpipe", Set.of(0, 1, 2)),
          Map.entry("example observability", Set.of(0, 1, 2)),
          Map.entry("gateway", Set.of(0, 2, 6, 8, 10)),
          Map.entry("gateway status", Set.of(0, 2, 3, 4, 5, 6, 7, 8)),
          Map.entry("soak", Set.of(0, 1, 2, 8)),
          Map.entry("kv", Set.of(0, 1, 2, 5, 6, 7)),
          Map.entry("pipe", Set.of(0, 2)), // only names its subcommands
          Map.entry("pipe write", Set.of(0, 1, 2, 6)),
          Map.entry("pipe read", Set.of(0, 1, 2, 6)),
          Map.entry("pipe host", Set.of(0, 2, 6)));

  /** The codes of the "Exit codes:" section of {@code help}. */
  private static Set<Integer> listedCodes(String help) {
    Set<Integer> codes = new TreeSet<>();
    Matcher m =
        Pattern.compile("^  (\\d+) {2,}", Pattern.MULTILINE)
            .matcher(help.substring(help.indexOf("Exit codes:")));
    while (m.find()) {
      codes.add(Integer.parseInt(m.group(1)));
    }
    return codes;
  }

  @Test
  void everyCommandsHelpListsTheCodesItCanReturn() {
    CommandLine top = Callosum.commandLine();
    List<String> commands = new ArrayList<>();
    top.getSubcommands()
        .forEach(
            (name, sub) -> {
              if (!name.equals("help")) {
                commands.add(name);
                sub.getSubcommands().keySet().forEach(n -> commands.add(name + " " + n));
              }
            });
    List<String> wrong = new ArrayList<>();
    for (String command : commands) {
      // A subcommand without a list of its own (kv get, ...) shows its parent's.
      Set<Integer> expected =
          EXIT_CODES.getOrDefault(command, EXIT_CODES.get(command.split(" ")[0]));
      assertNotNull(expected, command + ": no expected exit codes in this test");
      ToolRun run = ToolRun.of((command + " --help").split(" "));
      assertEquals(ExitCodes.OK, run.exit(), run::toString);
      assertTrue(run.out().contains("Exit codes:"), run::toString);
      Set<Integer> listed = listedCodes(run.out());
      if (!listed.equals(expected)) {
        wrong.add(command + ": lists " + listed + ", can return " + expected);
      }
    }
    assertEquals(List.of(), wrong);
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
