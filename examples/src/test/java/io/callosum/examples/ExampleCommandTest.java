package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code callosum example UPPER}: every upper's service behaves as shown, in-process and over
 * ZeroMQ.
 */
class ExampleCommandTest {
  static Set<String> uppers() {
    return ExampleCommand.UPPERS.keySet();
  }

  @ParameterizedTest
  @MethodSource("uppers")
  void everyCallBehavesAsShown(String upper) {
    for (String[] args :
        new String[][] {
          {"example", upper}, {"example", upper, "--lower", "zmq+tcp://127.0.0.1:0"}
        }) {
      ToolRun run = ToolRun.of(args);
      assertEquals(ExitCodes.OK, run.exit(), run::toString);
      assertTrue(run.out().contains("Every call behaved as shown."), run::toString);
      assertTrue(run.out().contains("with the " + upper + " upper"), run::toString);
      assertTrue(run.out().contains("CallTimeoutException"), run::toString);
      assertTrue(run.out().contains("[1, 2, 3, 4, 5]"), run::toString);
      assertEquals("", run.err(), run::toString);
    }
  }

  @Test
  void anUnknownUpperIsAUsageError() {
    ToolRun run = ToolRun.of("example", "cobol");
    assertEquals(ExitCodes.USAGE, run.exit(), run::toString);
    assertTrue(run.err().contains("no upper named 'cobol'"), run::toString);
  }
}
