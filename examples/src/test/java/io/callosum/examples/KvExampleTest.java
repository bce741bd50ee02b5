package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.examples.kv.KvNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code callosum example kv}: node processes, replicas, a burst in order, a node killed and its
 * keys served by their replica; every node process gone at the end.
 */
@Timeout(300)
class KvExampleTest {
  @Test
  void everyStepBehavesAsShownAndTheNodesEndWithTheCommand() {
    String keys = Leftovers.onCi() ? "10" : "30";
    String burst = Leftovers.onCi() ? "50" : "200";
    ToolRun run = ToolRun.of("example", "kv", "--nodes", "3", "--keys", keys, "--burst", burst);
    assertEquals(ExitCodes.OK, run.exit(), run::toString);
    assertEquals("", run.err(), run::toString);
    String out = run.out();
    assertTrue(out.contains("3 node processes"), run::toString);
    assertTrue(out.contains("MISMATCH"), run::toString);
    assertTrue(out.contains("versions 1 to " + burst + " in the order sent;"), run::toString);
    assertTrue(out.contains("0 of its copies out of order"), run::toString);
    assertTrue(out.contains("Killed node 1"), run::toString);
    assertTrue(out.contains("are served by their replica, node 2"), run::toString);
    assertTrue(out.endsWith("Every call behaved as shown.\n"), run::toString);
    assertEquals(List.of(), Leftovers.alive(KvNode.class.getName()), "node processes left");
  }

  @Test
  void fewerThanTwoNodesIsAUsageError() {
    ToolRun.of("example", "kv", "--nodes", "1")
        .assertExit(ExitCodes.USAGE, "--nodes takes 2 to 16");
  }
}
