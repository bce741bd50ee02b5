package io.callosum.upper.protobuf.internal;

import io.callosum.RemoteUserException;
import io.callosum.upper.protobuf.ProtobufServiceException;
import java.util.Base64;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The declared-error convention on the wire. A {@link ProtobufServiceException} travels as an
 * ordinary FAILURE reply whose text (the exception's {@code toString()}) is {@code <class>:
 * <message> {status <type> <base64>}}; the caller recognises the class name and rebuilds the
 * exception.
 */
public final class Failures {
  /** The largest status (base64 characters) a caller decodes. */
  static final int MAX_STATUS_CHARS = 1 << 20;

  private static final String NAME = ProtobufServiceException.class.getName();
  private static final Pattern TEXT =
      Pattern.compile(
          "\\A"
              + Pattern.quote(NAME)
              + ": (.*) \\{status ([A-Za-z0-9_.]{1,512}) ([A-Za-z0-9+/=]*)\\}\\z",
          Pattern.DOTALL);

  private Failures() {}

  /** The FAILURE text of {@code e}. */
  public static String describe(ProtobufServiceException e) {
    return NAME
        + ": "
        + e.getMessage()
        + " {status "
        + e.statusType()
        + " "
        + Base64.getEncoder().encodeToString(e.statusBytes())
        + "}";
  }

  /**
   * The exception a caller sees for a call's failure: a remote {@link ProtobufServiceException}
   * rebuilt, anything else unwrapped and unchanged.
   */
  public static Throwable translate(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof RemoteUserException) {
      RemoteUserException r = (RemoteUserException) t;
      String repr = r.remoteRepr();
      if (NAME.equals(r.remoteName()) && repr != null && repr.length() <= MAX_STATUS_CHARS * 2) {
        Matcher m = TEXT.matcher(repr);
        if (m.matches()) {
          try {
            return new ProtobufServiceException(
                m.group(2), Base64.getDecoder().decode(m.group(3)), m.group(1), r);
          } catch (IllegalArgumentException badBase64) {
            return r;
          }
        }
      }
    }
    return t;
  }

  /** {@link #translate} for throwing. */
  public static RuntimeException unchecked(Throwable t) {
    Throwable x = translate(t);
    if (x instanceof RuntimeException runtimeException) {
      return runtimeException;
    }
    if (x instanceof Error error) {
      throw error;
    }
    return new CompletionException(x);
  }
}
