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
    assertTrue(run.out().contains("All 5 steps behaved as shown."), run::toString);
    assertFalse(run.out().contains("FAILED:"), run::toString); // how a failed check begins
    assertEquals("", run.err(), run::toString);
    for (String shown : new String[] {
      "via ctx.caller()", "via server.remotes()", "NONE ", "KEY_RETURN_ORDERED ", "KEY_SERIALIZED ",
      "CallTimeoutException", "ctx.isCancelled() = true", "RemoteUserException", "NO_SUCH_METHOD",
      "server bound at zmq+tcp://127.0.0.1:", "ctx.identity() = Optional[demo-client]", "\"Dr. Ada, you are demo-client\"",
      "AuthenticationException (AUTHENTICATION_FAILED)"
    }) {
      assertTrue(run.out().contains(shown), () -> "demo output lacks " + shown + "\n" + run);
    }
  }
}
