package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DemoCommandTest {
  @Test
  void everyStepBehavesAsShown() {
    ToolRun run = ToolRun.of("demo");
    assertEquals(ExitCodes.OK, run.exit(), run::toString);
    assertTrue(run.out().contains("All 6 steps behaved as shown."), run::toString);
    assertFalse(run.out().contains("FAILED:"), run::toString); // how a failed check begins
    assertTrue(run.err().contains("stream 100% ["), () -> "no progress bar on stderr\n" + run);
    for (String line : run.err().split("[\r\n]+")) {
      assertTrue(
          line.isEmpty() || line.startsWith("stream "),
          () -> "stderr holds more than the progress bar: " + line + "\n" + run);
    }
    for (String shown :
        new String[] {
          "via ctx.caller()",
          "via server.remotes()",
          "NONE ",
          "KEY_RETURN_ORDERED ",
          "KEY_SERIALIZED ",
          "CallTimeoutException",
          "ctx.isCancelled() = true",
          "RemoteUserException",
          "NO_SUCH_METHOD",
          "server bound at zmq+tcp://127.0.0.1:",
          "ctx.identity() = Optional[demo-client]",
          "\"Dr. Ada, you are demo-client\"",
          "AuthenticationException (AUTHENTICATION_FAILED)",
          "the sender was at most"
        }) {
      assertTrue(run.out().contains(shown), () -> "demo output lacks " + shown + "\n" + run);
    }
  }
}
