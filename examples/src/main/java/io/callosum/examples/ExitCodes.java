package io.callosum.examples;

import io.callosum.AuthenticationException;
import io.callosum.CallosumException;
import io.callosum.RemoteException;
import io.callosum.RemoteUserException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

/**
 * The exit codes of the {@code callosum} commands, and how a failure is reported on stderr. The
 * kind of a call failure ({@link CallosumException#code()}) decides its exit code, so scripts can
 * tell a remote error from a timeout without parsing messages.
 */
final class ExitCodes {
  static final int OK = 0;

  /** {@code call}: the remote handler threw. {@code demo}: a step did not behave as shown. */
  static final int FAILED = 1;

  /**
   * A bad option or argument, or an address whose scheme no lower serves (picocli's usage code).
   */
  static final int USAGE = 2;

  static final int NO_SUCH_METHOD = 3;
  static final int REMOTE_ERROR = 4;
  static final int TIMEOUT = 5;
  static final int CONNECTION = 6;
  static final int REFUSED = 7;
  static final int UNEXPECTED = 8;

  /**
   * {@code call}: CURVE authentication failed ({@link
   * io.callosum.ErrorCode#AUTHENTICATION_FAILED}).
   */
  static final int AUTHENTICATION = 9;

  /**
   * {@code serve}, {@code gateway}: stopped by a signal, but the grace period ran out before what
   * was in flight had finished; that was cancelled.
   */
  static final int CUT_SHORT = 10;

  /**
   * Help lines of the commands that stop gracefully on a signal ({@code serve}, {@code gateway}).
   */
  static final String STOPPED_HELP =
      OK
          + ":stopped by SIGTERM or SIGINT: everything in flight finished within the grace period"
          + " (--grace)";

  static final String CUT_SHORT_HELP =
      CUT_SHORT
          + ":stopped by SIGTERM or SIGINT, but the grace period ran out: what was still in flight"
          + " was cancelled";

  /** Help lines shared by the commands' exit-code lists. */
  static final String USAGE_HELP =
      USAGE + ":bad option or argument, or no lower serves the address scheme";

  /** {@link #USAGE_HELP} for the commands with CURVE and gateway options. */
  static final String USAGE_CURVE_HELP =
      USAGE_HELP
          + "; an address its lower refuses (e.g. tcp:// without a port); a CURVE option without"
          + " its partner, a key or certificate that cannot be read, or CURVE with an address of a"
          + " lower without it (the message names those with it); a tunnel:// address without"
          + " --gateway, or --gateway with another address; call, send: a zmq+tcp:// server that"
          + " requires CURVE without the --curve-client-* options, or one without CURVE with them";

  static final String UNEXPECTED_HELP =
      UNEXPECTED + ":unexpected failure of this tool (stack trace on stderr)";

  private ExitCodes() {}

  /** The exit code for a failure that ended a command. */
  static int of(Throwable failure) {
    if (failure instanceof UncheckedIOException) {
      return CONNECTION;
    }
    if (!(failure instanceof CallosumException callosumException)) {
      return UNEXPECTED;
    }
    return switch (callosumException.code()) {
      case REMOTE_USER_ERROR -> FAILED;
      case NO_SUCH_METHOD -> NO_SUCH_METHOD;
      case REMOTE_INTERNAL_ERROR, BAD_MESSAGE, CODEC_ERROR -> REMOTE_ERROR;
      case TIMEOUT -> TIMEOUT;
      case CONNECTION_LOST -> CONNECTION;
      case AUTHENTICATION_FAILED -> AUTHENTICATION;
      default -> REFUSED;
    };
  }

  /** The hint under a connection failure of a command that connects to a peer. */
  static final String CONNECT_HINT =
      "  check:          that a server is listening there (serve prints READY once it is)";

  /** The hint under a connection failure of a command that binds an address. */
  static final String BIND_HINT =
      "  check:          that no other process holds that address (port 0 takes a free one)";

  /**
   * Writes what went wrong to {@code err}: the kind, and for a remote failure the remote
   * exception's name and message, plus the remote traceback when the remote handler threw and
   * {@code verbose} asks for it (a remote sends one only if it was told to: {@code serve
   * --stack-traces}). A connection failure ends with one line of hint, for a command that binds
   * ({@code binds}) or connects.
   */
  static void report(Throwable failure, PrintWriter err, boolean verbose, boolean binds) {
    if (failure instanceof CallosumException e) {

      err.printf("callosum: call failed: %s (%s)%n", e.code(), e.getClass().getSimpleName());
      if (e instanceof RemoteException r) {

        err.printf("  remote name:    %s%n", r.remoteName());
        err.printf("  message:        %s%n", r.getMessage());
        boolean traced = !r.remoteTraceback().strip().equals(r.remoteRepr().strip());
        if (r instanceof RemoteUserException && traced) {
          if (verbose) {
            err.println("  remote traceback:");
            r.remoteTraceback().lines().forEach(line -> err.println("    " + line));
          } else {
            err.println("  (--verbose shows the remote traceback)");
          }
        }
      } else {
        err.printf("  message:        %s%n", e.getMessage());
        if (e instanceof AuthenticationException) {
          err.println(
              "  check:          that the server allows this client's public key (serve"
                  + " --curve-allow), and that --curve-server-public is the server's public key");
        } else if (of(e) == CONNECTION) {
          err.println(binds ? BIND_HINT : CONNECT_HINT);
        }
      }
    } else if (failure instanceof UncheckedIOException) {
      err.println("callosum: " + failure.getMessage()); // e.g. cannot bind ...: in use
      err.println(binds ? BIND_HINT : CONNECT_HINT);
    } else {
      err.println("callosum: unexpected failure:");
      failure.printStackTrace(err);
    }
    err.flush();
  }
}
