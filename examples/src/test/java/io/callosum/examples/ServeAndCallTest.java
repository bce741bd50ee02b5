package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code serve} and {@code call} in one JVM, over the in-process lower. */
class ServeAndCallTest {
  private static ServeRun server;

  @BeforeAll
  static void serve() throws InterruptedException {
    server = new ServeRun();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static void assertResult(String json, ToolRun run) {
    assertAll(
        () -> assertEquals(ExitCodes.OK, run.exit(), run::toString),
        () -> assertEquals(json + System.lineSeparator(), run.out(), run::toString),
        () -> assertEquals("", run.err(), run::toString));
  }

  @Test
  void echoReturnsItsJsonArgument() {
    String json =
        "{\"s\":\"x\",\"n\":[1,2.5,null,true,false],"
            + "\"big\":12345678901234,\"nested\":{\"empty\":[]}}";
    assertResult(json, server.call("echo", json));
  }

  @Test
  void echoCarriesByteStringsTagged() {
    assertResult("{\"$bin\":\"AAEC/w==\"}", server.call("echo", "{\"$bin\":\"AAEC/w==\"}"));
  }

  @Test
  void withoutArgumentNullIsSent() {
    assertResult("null", server.call("echo"));
  }

  @Test
  void addsIntegersAndFloats() {
    assertResult("{\"result\":5}", server.call("add", "{\"a\":2,\"b\":3}"));
    assertResult("{\"result\":2.5}", server.call("add", "{\"a\":2,\"b\":0.5}"));
    // 2^63 leaves the signed 64-bit range: sent as msgpack uint64, printed exactly.
    assertResult(
        "{\"result\":9223372036854775808}",
        server.call("add", "{\"a\":9223372036854775807,\"b\":1}"));
  }

  @Test
  void orderKeyIsAccepted() {
    assertResult("\"keyed\"", server.call("--order-key", "k1", "echo", "\"keyed\""));
  }

  @Test
  void remoteFailureIsReportedWithoutTheServersStack() {
    ToolRun run =
        server
            .call("--verbose", "fail", "\"boom\"")
            .assertExit(
                ExitCodes.FAILED,
                "REMOTE_USER_ERROR",
                "remote name:    java.lang.IllegalStateException",
                "java.lang.IllegalStateException: boom");
    assertFalse(run.err().contains("at io.callosum"), run::toString);
    assertEquals("", run.out());
  }

  @Test
  void aServerWithStackTracesSendsThemAndVerboseShowsThem() throws Exception {
    try (ServeRun tracing = new ServeRun("--stack-traces")) {
      ToolRun verbose =
          tracing
              .call("--verbose", "fail", "\"boom\"")
              .assertExit(
                  ExitCodes.FAILED,
                  "java.lang.IllegalStateException: boom",
                  "remote traceback:",
                  "at io.callosum.examples.SampleService.fail");
      assertEquals("", verbose.out());
      ToolRun plain =
          tracing
              .call("fail", "\"boom\"")
              .assertExit(ExitCodes.FAILED, "(--verbose shows the remote traceback)");
      assertFalse(plain.err().contains("at io.callosum"), plain::toString);
    }
  }

  @Test
  void badArgumentsOfAddFailRemotely() {
    server.call("add", "{\"a\":1}").assertExit(ExitCodes.FAILED, "b must be a number, got null");
  }

  @Test
  void sleepReturnsDone() {
    assertResult("\"done\"", server.call("--timeout", "5s", "sleep", "{\"s\":0.01}"));
  }

  @Test
  void timeoutExitsWithItsCodeAndCancelsTheHandler() throws InterruptedException {
    server
        .call("--timeout", "100ms", "sleep", "{\"s\":30}")
        .assertExit(ExitCodes.TIMEOUT, "TIMEOUT");
    // The server logs the handler's early end; without it the handler would sleep 30 s. It is
    // stopped by whichever comes first: the deadline the call carried (TIMEOUT), the caller's
    // CANCEL (CANCELLED) or the caller's exit (CONNECTION_LOST).
    server.err.awaitLine(
        line ->
            line.contains(" sleep -> TIMEOUT")
                || line.contains(" sleep -> CANCELLED")
                || line.contains(" sleep -> CONNECTION_LOST"),
        ServeRun.WAIT);
  }

  @Test
  void unknownMethodHasItsOwnExitCode() {
    server
        .call("no-such-method")
        .assertExit(ExitCodes.NO_SUCH_METHOD, "no such method: no-such-method");
  }

  @Test
  void badJsonIsAUsageError() {
    server.call("echo", "{\"a\":").assertExit(ExitCodes.USAGE, "ARGUMENT is not valid JSON");
  }

  @Test
  void unboundAddressCannotBeReached() {
    ToolRun.of("call", "--connect", "inproc://nobody-" + UUID.randomUUID(), "echo")
        .assertExit(ExitCodes.CONNECTION, "CONNECTION_LOST", "no peer is bound");
  }

  @Test
  void aBoundAddressCannotBeServedTwice() {
    ToolRun.of("serve", "--bind", server.address)
        .assertExit(ExitCodes.CONNECTION, "already in use");
  }

  @Test
  void unknownSchemeListsTheAvailableOnes() {
    for (String[] args :
        new String[][] {
          {"call", "--connect", "udp://localhost:5020", "echo"},
          {"serve", "--bind", "udp://127.0.0.1:5020"}
        }) {
      ToolRun.of(args)
          .assertExit(ExitCodes.USAGE, "no lower serves the scheme", "inproc://", "zmq+tcp://");
    }
  }

  @Test
  void serveHonoursOrderingAndStopsCleanly() throws Exception {
    try (ServeRun serialized = new ServeRun("--ordering", "serialized", "--quiet")) {
      ToolRun run = serialized.call("--order-key", "k", "add", "{\"a\":1,\"b\":1}");
      assertResult("{\"result\":2}", run);
      assertEquals("", serialized.err.toString(), "--quiet logs nothing while serving");
    }
  }
}
