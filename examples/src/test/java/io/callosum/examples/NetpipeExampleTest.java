package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code callosum example netpipe}: {@code pipe write} and {@code pipe read} as two processes, with
 * end of file and a broken pipe; both gone at the end.
 */
@Timeout(300)
class NetpipeExampleTest {
  @Test
  void endOfFileAndABrokenPipeBehaveAsShown() {
    String bytes = Leftovers.onCi() ? "262144" : "4194304";
    ToolRun run = ToolRun.of("example", "netpipe", "--bytes", bytes);
    assertEquals(ExitCodes.OK, run.exit(), run::toString);
    assertEquals("", run.err(), run::toString);
    String out = run.out();
    assertTrue(out.contains("SHA-256 of what was written and what was read: equal"), out);
    assertTrue(
        out.contains(
            "exit 1, callosum: pipe write: broken pipe: the reader of pipe 'reader-goes' went"
                + " away"),
        out);
    assertTrue(out.endsWith("Every run behaved as shown.\n"), out);
    assertEquals(
        List.of(), Leftovers.alive(Callosum.class.getName() + " pipe"), "pipe processes left");
  }
}
