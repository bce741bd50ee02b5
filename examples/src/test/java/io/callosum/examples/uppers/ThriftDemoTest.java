package io.callosum.examples.uppers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** What {@code ./callosum example thrift} will print. */
class ThriftDemoTest {
  @Test
  void runCallsEachMethodAndPrintsItsOutcome() {
    StringWriter text = new StringWriter();
    ThriftDemo.run(new PrintWriter(text));

    String[] lines = text.toString().split("\\R");
    assertEquals(5, lines.length, text.toString());
    assertEquals("echo(\"hello, thrift\") = \"hello, thrift\"", lines[0]);
    assertEquals("add(40, 2) = 42", lines[1]);
    assertEquals("fail(\"no such account\") = failed: DemoError(reason:no such account)", lines[2]);
    assertEquals(
        "slow(5000) with a 100 ms timeout = failed: io.callosum.CallTimeoutException: call of"
            + " Demo.slow timed out after 100 ms",
        lines[3]);
    assertEquals("next(a), next(b), next(a) = 1, 1, 2", lines[4]);
  }
}
