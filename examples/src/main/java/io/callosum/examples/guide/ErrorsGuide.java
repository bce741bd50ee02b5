package io.callosum.examples.guide;

import io.callosum.BoundPeer;
import io.callosum.CallosumException;
import io.callosum.ConnectedPeer;
import io.callosum.ErrorCode;
import io.callosum.Futures;
import io.callosum.Peer;
import io.callosum.RemoteException;
import io.callosum.RemoteUserException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The snippets of the user guide's section "Errors" (docs/GUIDE.md): what a remote failure carries,
 * telling failures apart by code, and stack traces in replies.
 */
final class ErrorsGuide {
  private ErrorsGuide() {}

  /**
   * A handler that throws, called by a client; returns the remote exception's name and text as the
   * caller sees them.
   */
  static List<Object> remoteFailure(ConnectedPeer client, BoundPeer server) {
    // guide:remoteFailure
    server.handle(
        "divide",
        (ctx, body) -> {
          List<?> args = (List<?>) body.value();
          return ((Number) args.get(0)).longValue() / ((Number) args.get(1)).longValue();
        });

    try {
      client.invokeAndWait("divide", List.of(1, 0)); // throws the call's CallosumException
      return List.of("no failure");
    } catch (RemoteUserException e) { // the remote handler threw
      String name = e.remoteName(); // "java.lang.ArithmeticException"
      String text = e.remoteRepr(); // "java.lang.ArithmeticException: / by zero"
      ErrorCode code = e.code(); // REMOTE_USER_ERROR; e.isRemote() is true
      return List.of(name, text, code);
    }
    // end guide:remoteFailure
  }

  // guide:describe
  /** What went wrong with a call, for a log line. */
  static String describe(CompletableFuture<?> call) {
    try {
      return "ok: " + Futures.await(call); // waits; throws the CallosumException unwrapped
    } catch (CallosumException e) {
      return switch (e.code()) {
        case REMOTE_USER_ERROR -> "the handler threw " + ((RemoteException) e).remoteName();
        case NO_SUCH_METHOD -> "no such method";
        case TIMEOUT -> "timed out";
        case CONNECTION_LOST -> "connection lost";
        default -> e.code() + (e.isRemote() ? " from the remote: " : ": ") + e.getMessage();
      };
    }
  }

  // end guide:describe

  /** The traceback a caller receives from a server built with {@code sendTraces}. */
  static String traceback(boolean sendTraces) {
    // guide:stackTraces
    try (BoundPeer server =
        Peer.builder().stackTracesInReplies(sendTraces).bind("inproc://traces").build()) {
      server.handle(
          "fail",
          (ctx, body) -> {
            throw new IllegalStateException("out of paper");
          });
      server.start();

      try (ConnectedPeer client = Peer.builder().connect("inproc://traces").build().start()) {
        client.invokeAndWait("fail", null);
        return "no failure";
      } catch (RemoteUserException e) {
        // with stackTracesInReplies(true): the printed stack trace, "\tat ..." lines included;
        // by default only "java.lang.IllegalStateException: out of paper"
        return e.remoteTraceback();
      }
    }
    // end guide:stackTraces
  }
}
