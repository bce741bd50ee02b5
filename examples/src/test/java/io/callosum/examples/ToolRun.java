package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Pattern;

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

  /** The detail lines that may stand between a failed call's first line and its hint. */
  private static final Pattern DETAIL = Pattern.compile("  (message|remote name): .*");

  /** A line of a Java stack trace: a frame, a cause, or a throwable's class name at its start. */
  private static final Pattern TRACE =
      Pattern.compile("(\\tat |Caused by: |[a-z][\\w$]*(\\.[\\w$]+)+(Exception|Error)\\b).*");

  /**
   * Asserts the report of a user's mistake, or of an address that cannot work: exit {@code code},
   * each of {@code inErr} on stderr, which holds one message line ({@code callosum: ...}), for a
   * failed call its documented detail lines, and one line of hint: {@code Try 'callosum COMMAND
   * --help' ...} under a usage error, {@code check: ...} under a failed call. No stack trace.
   */
  ToolRun assertOneLine(int code, String... inErr) {
    assertExit(code, inErr);
    List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
    for (String line : lines) {
      assertFalse(TRACE.matcher(line).matches(), () -> "a stack trace:\n" + this);
    }
    assertFalse(err.contains("unexpected failure"), this::toString);
    assertTrue(lines.size() >= 2, () -> "no message and hint:\n" + this);
    assertTrue(lines.get(0).startsWith("callosum: "), this::toString);
    String hint = lines.get(lines.size() - 1);
    if (hint.startsWith("Try 'callosum")) {
      assertTrue(hint.endsWith(" --help' for more information."), this::toString);
      assertEquals(2, lines.size(), () -> "more than one message line:\n" + this);
    } else {
      assertTrue(hint.startsWith("  check:"), () -> "no hint:\n" + this);
      for (String detail : lines.subList(1, lines.size() - 1)) {
        assertTrue(DETAIL.matcher(detail).matches(), () -> "an undocumented line:\n" + this);
      }
    }
    return this;
  }

  @Override
  public String toString() {
    return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
  }
}
