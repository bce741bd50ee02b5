package io.callosum.internal;

import io.callosum.CallCancelledException;
import io.callosum.CallTimeoutException;
import io.callosum.CallosumException;
import io.callosum.ErrorCode;
import io.callosum.MessageTooLargeException;
import io.callosum.Metadata;
import io.callosum.OverloadedException;
import io.callosum.RemoteInternalException;
import io.callosum.RemoteUserException;
import io.callosum.ShuttingDownException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CancellationException;

/**
 * The names this project puts into ErrorMetadata for framework errors, and the mapping of FAILURE
 * and ERROR replies back to the exception family. Other peers (Python) see plain names they can
 * print; Java peers map them back to typed exceptions.
 */
public final class ErrorNames {
  public static final String NO_SUCH_METHOD = "callosum.NoSuchMethod";
  public static final String OVERLOADED = "callosum.Overloaded";
  public static final String MESSAGE_TOO_LARGE = "callosum.MessageTooLarge";
  public static final String BAD_MESSAGE = "callosum.BadMessage";
  public static final String CODEC_ERROR = "callosum.CodecError";
  public static final String INTERNAL = "callosum.InternalError";

  /** The callee stopped the call at the caller's deadline (mapped to a timeout). */
  public static final String DEADLINE_EXCEEDED = "callosum.DeadlineExceeded";

  /**
   * The callee is shutting down and takes no new calls (mapped to {@code ShuttingDownException}).
   */
  public static final String SHUTTING_DOWN = "callosum.ShuttingDown";

  private ErrorNames() {}

  /**
   * {@code [name, repr, traceback]} of a Java throwable; without {@code stackTrace}, the traceback
   * is the repr alone (the stack stays with this peer).
   */
  public static String[] describe(Throwable t, boolean stackTrace) {
    String name = t.getClass().getName();
    String repr;
    try {
      repr = String.valueOf(t);
    } catch (RuntimeException e) {
      repr = name + " (its toString() failed: " + e.getClass().getName() + ")";
    }
    if (!stackTrace) {
      return new String[] {name, repr, repr + "\n"};
    }
    String trace;
    try {
      StringWriter w = new StringWriter();
      t.printStackTrace(new PrintWriter(w));
      trace = w.toString();
    } catch (RuntimeException e) {
      StringBuilder b = new StringBuilder(repr).append('\n');
      for (StackTraceElement el : t.getStackTrace()) {
        b.append("\tat ").append(el).append('\n');
      }
      trace = b.toString();
    }
    return new String[] {name, repr, trace};
  }

  /** ErrorMetadata for a framework error with no Java stack worth sending. */
  public static String[] framework(String name, String message) {
    return new String[] {name, name + ": " + message, name + ": " + message + "\n"};
  }

  /** The exception a caller sees for a FAILURE ({@code user}) or ERROR reply. */
  public static CallosumException toException(boolean user, String[] meta) {
    return toException(user, meta, Metadata.EMPTY);
  }

  /**
   * The exception a caller sees for a FAILURE ({@code user}, with the reply's {@code metadata}) or
   * ERROR reply.
   */
  public static CallosumException toException(boolean user, String[] meta, Metadata metadata) {
    if (meta == null) {
      return new RemoteInternalException(
          ErrorCode.BAD_MESSAGE, BAD_MESSAGE, "malformed error metadata in reply", "");
    }
    if (user) {
      return new RemoteUserException(meta[0], meta[1], meta[2], metadata);
    }
    String detail = meta[1];
    return switch (meta[0]) {
      case OVERLOADED -> new OverloadedException("remote peer overloaded: " + detail, null, true);
      case DEADLINE_EXCEEDED -> new CallTimeoutException("remote: " + detail, null, true);
      case SHUTTING_DOWN -> new ShuttingDownException("remote: " + detail, null, true);
      case MESSAGE_TOO_LARGE ->
          new MessageTooLargeException("remote refused: " + detail, null, true);
      case NO_SUCH_METHOD ->
          new RemoteInternalException(ErrorCode.NO_SUCH_METHOD, meta[0], meta[1], meta[2]);
      case BAD_MESSAGE ->
          new RemoteInternalException(ErrorCode.BAD_MESSAGE, meta[0], meta[1], meta[2]);
      case CODEC_ERROR ->
          new RemoteInternalException(ErrorCode.CODEC_ERROR, meta[0], meta[1], meta[2]);
      default ->
          new RemoteInternalException(ErrorCode.REMOTE_INTERNAL_ERROR, meta[0], meta[1], meta[2]);
    };
  }

  /** The error code of a failure, for interceptors. */
  public static ErrorCode codeOf(Throwable t) {
    if (t instanceof CallosumException callosumException) {
      return callosumException.code();
    }
    if (t instanceof CancellationException) {
      return ErrorCode.CANCELLED;
    }
    return ErrorCode.REMOTE_USER_ERROR;
  }

  static CallosumException cancelledByRemote(String method) {
    return new CallCancelledException(
        "call of " + method + " was cancelled by the remote peer", null, true);
  }
}
