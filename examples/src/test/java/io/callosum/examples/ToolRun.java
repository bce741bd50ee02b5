package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One run of the {@code callosum} tool inside the test JVM, with its exit code and output. */
record ToolRun(int exit, String out, String err) {
  static ToolRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        Callosum.commandLine()
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new ToolRun(exit, out.toString(), err.toString());
  }

  /** Asserts the exit code, and that stderr contains each of {@code inErr}. */
  ToolRun assertExit(int code, String... inErr) {
    assertEquals(code, exit, this::toString);
    for (String part : inErr) {
      assertTrue(err.contains(part), () -> "stderr lacks '" + part + "'\n" + this);
    }
    return this;
  }

  @Override
  public String toString() {
    return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
  }
}
