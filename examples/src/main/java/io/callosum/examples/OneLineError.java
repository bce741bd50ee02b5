package io.callosum.examples;

import io.callosum.RemoteException;
import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A mistake or failure a user can cause, reported as one line on stderr, {@code callosum COMMAND:
 * MESSAGE}, with no stack trace.
 */
final class OneLineError {
  private OneLineError() {}

  /** Prints {@code message} for the command {@code spec}; returns {@code code}. */
  static int report(CommandSpec spec, String message, int code) {
    PrintWriter err = spec.commandLine().getErr();
    err.println(
        "callosum: " + spec.qualifiedName(" ").replaceFirst("^callosum ", "") + ": " + message);
    err.flush();
    return code;
  }

  /** What a remote exception said: its message, without its name in front. */
  static String said(RemoteException e) {
    String repr = e.remoteRepr(); // its toString(): the exception's name, then its message
    String prefix = e.remoteName() + ": ";
    return repr.startsWith(prefix) ? repr.substring(prefix.length()) : repr;
  }
}
