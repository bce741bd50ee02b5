package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.gateway.Gateway;
import io.callosum.gateway.GatewayConfigFile;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's mistakes, and addresses that cannot work, end in one line that says what is wrong (and a
 * hint), with a documented exit code: never a stack trace.
 */
class UserMistakesTest {
  /** A mistake's report: the exit code, one message line and a hint, no Java stack trace. */
  private static ToolRun assertOneLine(ToolRun run, int code, String... inErr) {
    return run.assertOneLine(code, inErr);
  }

  @Test
  void aTcpAddressWithoutAPortIsAUsageError() {
    ToolRun run = ToolRun.of("call", "--connect", "tcp://127.0.0.1", "echo", "1");
    assertOneLine(run, ExitCodes.USAGE, "tcp://host:port", "--help' for more information.");
    assertOneLine(
        ToolRun.of("serve", "--bind", "tcp://127.0.0.1"), ExitCodes.USAGE, "tcp://host:port");
  }

  /** example --lower and gateway status --admin go through the helpers that serve and call use. */
  @Test
  void addressesTheirLowersRefuseAreUsageErrors() {
    for (String[] command :
        new String[][] {{"example", "msgpack", "--lower"}, {"gateway", "status", "--admin"}}) {
      for (String[] refused :
          new String[][] {{"tcp://127.0.0.1", "tcp://host:port"}, {"bogus://x", "bogus://"}}) {
        String[] args = Arrays.copyOf(command, command.length + 1);
        args[command.length] = refused[0];
        assertOneLine(ToolRun.of(args), ExitCodes.USAGE, refused[1]);
      }
    }
  }

  @Test
  void anUnknownUpperIsAUsageErrorWithAHint() {
    assertOneLine(
        ToolRun.of("example", "cobol"),
        ExitCodes.USAGE,
        "no upper named 'cobol' (known: msgpack, protobuf, thrift)",
        "federation",
        "Try 'callosum example --help'");
  }

  /** A port on loopback where nothing listens. */
  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort(); // free again once closed
    }
  }

  @Test
  void gatewayStatusFailuresAreReportedWithoutAStackTrace() throws Exception {
    assertOneLine(
        ToolRun.of("gateway", "status", "--admin", "tcp://127.0.0.1:" + freePort()),
        ExitCodes.CONNECTION,
        ExitCodes.CONNECT_HINT);
    // A peer that is not a gateway's admin endpoint: its "no such method" is the call's failure.
    try (ServeRun notAGateway = ServeRun.at("tcp://127.0.0.1:0")) {
      ToolRun run =
          ToolRun.of("gateway", "status", "--admin", notAGateway.address)
              .assertExit(ExitCodes.NO_SUCH_METHOD, "NO_SUCH_METHOD", "status");
      assertFalse(run.err().contains("\tat "), run::toString);
      assertEquals("", run.out(), run::toString);
    }
  }

  @Test
  void aTunnelAddressWithoutAGatewayIsAUsageError() {
    for (String[] args :
        new String[][] {
          {"call", "--connect", "tunnel://edge/foo", "echo", "1"},
          {"serve", "--bind", "tunnel://edge/foo"},
          {"send", "--connect", "tunnel://edge/foo", "s"},
          {"receive", "--bind", "tunnel://edge/foo", "s"}
        }) {
      assertOneLine(ToolRun.of(args), ExitCodes.USAGE, "goes through a gateway", "--gateway");
    }
    assertOneLine(
        ToolRun.of(
            "call", "--connect", "tcp://127.0.0.1:1", "--gateway", "tcp://127.0.0.1:2", "echo"),
        ExitCodes.USAGE,
        "--gateway is for tunnel://");
    assertOneLine(
        ToolRun.of("call", "--connect", "tunnel://a/b", "--gateway", "zmq+tcp://h:1", "echo"),
        ExitCodes.USAGE,
        "tcp://HOST:PORT");
  }

  @Test
  void serveAndCallWorkThroughAGateway(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("gw.yaml");
    Files.writeString(config, "cluster: lab\nlisten: tcp://127.0.0.1:0\n");
    try (Gateway gateway = Gateway.start(GatewayConfigFile.read(config));
        ServeRun serve = ServeRun.at("tunnel://lab/echoer", "--gateway", gateway.localAddress())) {
      ToolRun call =
          ToolRun.of(
              "call",
              "--connect",
              "tunnel://lab/echoer",
              "--gateway",
              gateway.localAddress(),
              "echo",
              "\"through\"");
      assertEquals(ExitCodes.OK, call.exit(), call::toString);
      assertEquals("\"through\"", call.out().strip());
    }
  }

  @Test
  void aMissingGatewayConfigurationIsAUsageError(@TempDir Path dir) {
    String missing = dir.resolve("nope.yaml").toString();
    assertOneLine(
        ToolRun.of("gateway", "--config", missing), ExitCodes.USAGE, "no such file: " + missing);
  }

  @Test
  void aRefusedZeroMqPortIsReportedAtOnce() throws IOException {
    ToolRun run =
        ToolRun.of(
            "call", "--connect", "zmq+tcp://127.0.0.1:" + freePort(), "--timeout", "60s", "echo");
    // the lower alone would wait for its connect timeout and say "no connection within"
    assertOneLine(run, ExitCodes.CONNECTION, "Connection refused", ExitCodes.CONNECT_HINT);
  }

  @Test
  void aZeroMqPortInUseIsSaidOnceInWords() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String address = "zmq+tcp://127.0.0.1:" + taken.getLocalPort();
      ToolRun run = ToolRun.of("serve", "--bind", address);
      assertOneLine(
          run,
          ExitCodes.CONNECTION,
          "cannot bind " + address + ": Address already in use",
          ExitCodes.BIND_HINT);
      assertEquals(1, run.err().split("cannot bind", -1).length - 1, run::toString);
      assertFalse(run.err().contains("Errno"), run::toString);
    }
  }

  @Test
  void aClientThatLeavesIsLoggedAsDisconnectedNotLost() throws Exception {
    try (ServeRun serve = ServeRun.at("tcp://127.0.0.1:0")) {
      assertEquals(ExitCodes.OK, serve.call("echo", "1").exit());
      String line = serve.err.awaitLine(l -> l.contains(" disconnected"), ServeRun.WAIT);
      assertTrue(line.endsWith(" disconnected"), line);
    }
  }

  @Test
  void theTopLevelHelpListsEveryCommand() {
    ToolRun top = ToolRun.of("--help");
    for (String command :
        new String[] {
          "demo", "serve", "call", "send", "receive", "keygen", "example", "gateway", "bench"
        }) {
      assertTrue(top.out().contains("  " + command + " "), () -> command + " missing:\n" + top);
    }
    ToolRun none = ToolRun.of();
    assertOneLine(none, ExitCodes.USAGE, "gateway", "bench");
  }
}
