package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.callosum.examples.kv.KvCluster;
import io.callosum.examples.kv.KvNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * {@code callosum kv get|put|delete|cas} against three node processes: results on stdout, and a
 * user's mistakes (an unknown key, a node down, a bad address) in one line with their exit code.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KvCommandTest {
  private static ChildProcesses children;
  private static KvCluster cluster;

  @BeforeAll
  static void startThreeNodes() throws Exception {
    children = new ChildProcesses("kv-test");
    cluster = KvCluster.start(children, 3, Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    cluster.close();
    children.close();
    assertEquals(List.of(), Leftovers.alive(KvNode.class.getName()), "node processes left");
  }

  private static ToolRun kv(int node, String command, String... args) {
    String[] all = new String[3 + args.length];
    all[0] = "kv";
    all[1] = command;
    all[2] = "--connect=" + cluster.addresses().get(node);
    System.arraycopy(args, 0, all, 3, args.length);
    return ToolRun.of(all);
  }

  /** A mistake's report: the exit code, one line on stderr, and no Java stack trace. */
  private static void assertOneLine(ToolRun run, int code, String line) {
    run.assertExit(code);
    assertEquals(line + "\n", run.err(), run::toString);
    assertEquals("", run.out(), run::toString);
  }

  @Test
  @Order(1)
  void putGetCasDeleteThroughAnyNode() {
    ToolRun put = kv(0, "put", "colour", "blue");
    put.assertExit(ExitCodes.OK);
    int owner = cluster.owner("colour");
    assertEquals("version 1 (node " + owner + ")\n", put.out(), put::toString);
    for (int node = 0; node < 3; node++) {
      ToolRun get = kv(node, "get", "colour");
      get.assertExit(ExitCodes.OK);
      assertEquals("blue\n", get.out(), get::toString);
    }
    ToolRun cas = kv(1, "cas", "colour", "blue", "green");
    cas.assertExit(ExitCodes.OK);
    assertEquals("version 2 (node " + owner + ")\n", cas.out(), cas::toString);
    assertOneLine(
        kv(2, "cas", "colour", "blue", "red"),
        ExitCodes.FAILED,
        "callosum: kv cas: the value of 'colour' is 'green', not the one expected");
    ToolRun delete = kv(0, "delete", "colour");
    delete.assertExit(ExitCodes.OK);
    assertEquals("version 3 (node " + owner + ")\n", delete.out(), delete::toString);
  }

  @Test
  @Order(2)
  void anUnknownKeyIsOneLineAndExitOne() {
    assertOneLine(kv(0, "get", "nobody"), ExitCodes.FAILED, "callosum: kv get: no key 'nobody'");
    assertOneLine(
        kv(0, "delete", "nobody"), ExitCodes.FAILED, "callosum: kv delete: no key 'nobody'");
    assertOneLine(
        kv(0, "cas", "nobody", "a", "b"), ExitCodes.FAILED, "callosum: kv cas: no key 'nobody'");
  }

  @Test
  @Order(3)
  void badArgumentsAreUsageErrors() {
    ToolRun empty = kv(0, "get", "");
    empty.assertExit(ExitCodes.USAGE, "a key has at least one character");
    ToolRun address = ToolRun.of("kv", "get", "--connect", "nowhere", "k");
    address.assertExit(ExitCodes.USAGE, "'nowhere' is not an address");
    ToolRun none = ToolRun.of("kv");
    none.assertExit(ExitCodes.USAGE, "Missing command: one of get, put, delete, cas");
    for (ToolRun run : List.of(empty, address, none)) {
      assertFalse(run.err().contains("\tat "), run::toString);
    }
  }

  @Test
  @Order(4)
  void aNodeDownIsExitSix() {
    // Node 1 holds keys and replicas; kill it, then call through it and through node 0.
    String key = keyWithOwner(1);
    kv(0, "put", key, "kept").assertExit(ExitCodes.OK);
    String down = cluster.addresses().get(1);
    cluster.process(1).kill();
    ToolRun direct = kv(1, "get", key);
    direct.assertExit(ExitCodes.CONNECTION, "callosum: kv get: node down: cannot reach " + down);
    assertEquals(1, direct.err().lines().count(), direct::toString);
    ToolRun viaReplica = kv(0, "get", key);
    viaReplica.assertExit(ExitCodes.OK);
    assertEquals("kept\n", viaReplica.out(), viaReplica::toString);

    // With node 2 killed too, a key owned by 1 (replica 2) has no node left.
    cluster.process(2).kill();
    assertOneLine(
        kv(0, "get", key),
        ExitCodes.CONNECTION,
        "callosum: kv get: key '" + key + "' is unavailable: its nodes 1 and 2 are both down");
  }

  private static String keyWithOwner(int node) {
    for (int i = 0; ; i++) {
      if (cluster.owner("k" + i) == node) {
        return "k" + i;
      }
    }
  }
}
