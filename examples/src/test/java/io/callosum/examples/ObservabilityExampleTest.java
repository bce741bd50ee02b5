package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code callosum example observability}: the meters and spans of two peers' calls. */
class ObservabilityExampleTest {
  @Test
  void printsTheMetersAndSpansOfItsCalls() {
    ToolRun run = ToolRun.of("example", "observability");
    assertEquals(ExitCodes.OK, run.exit(), run::toString);
    assertEquals("", run.err(), run::toString);
    String out = run.out();
    assertTrue(out.contains("The meters and spans are as shown."), run::toString);
    assertTrue(
        out.contains("callosum.calls{method=echo,outcome=OK,side=caller}")
            && out.contains("callosum.calls{method=fail,outcome=REMOTE_USER_ERROR,side=callee}")
            && out.contains("callosum.connections{lower=tcp}"),
        run::toString);
    assertTrue(out.matches("(?s).*\\n  callosum\\.calls\\{method=echo[^\\n]* count=2 .*"), out);
    assertTrue(
        out.matches("(?s).*\\n  [0-9a-f]{8}  [0-9a-f]{16} <- [0-9a-f]{16} +SERVER +fail +ERROR .*"),
        out);
    assertTrue(out.contains("rpc.system=callosum"), out);
    assertTrue(out.contains("checkout"), out);
  }
}
