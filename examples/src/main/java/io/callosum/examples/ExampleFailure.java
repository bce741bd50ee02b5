package io.callosum.examples;

import picocli.CommandLine.Model.CommandSpec;

/**
 * Why a multi-process example could not go on (a child process that did not start or died, a call
 * that failed when it should not): its message is the one line the command prints before it exits
 * with {@link ExitCodes#FAILED}.
 */
public final class ExampleFailure extends Exception {
  private static final long serialVersionUID = 1L;

  public ExampleFailure(String message, Throwable cause) {
    super(message, cause);
  }

  public ExampleFailure(String message) {
    super(message);
  }

  /** Prints this failure as one line on {@code spec}'s stderr; returns {@link ExitCodes#FAILED}. */
  int report(CommandSpec spec) {
    return OneLineError.report(spec, getMessage(), ExitCodes.FAILED);
  }
}
