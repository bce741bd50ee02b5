package io.callosum;

/**
 * The one exception family of Callosum. Every failure of a call completes its future with a
 * subclass of this exception, and {@link #code()} says which kind of failure it is.
 *
 * <ul>
 *   <li>{@link RemoteUserException}: the remote handler threw (FAILURE reply).
 *   <li>{@link RemoteInternalException}: the remote framework failed (ERROR reply), including an
 *       unknown method ({@link ErrorCode#NO_SUCH_METHOD}).
 *   <li>{@link CallTimeoutException}, {@link CallCancelledException}, {@link
 *       ConnectionLostException}, {@link OverloadedException}, {@link MessageTooLargeException}:
 *       the call did not complete normally; these may be decided locally or reported by the remote
 *       ({@link #isRemote()}).
 *   <li>{@link CodecException}: a value could not be encoded or decoded.
 * </ul>
 */
public class CallosumException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final ErrorCode code;
  private final boolean remote;

  public CallosumException(ErrorCode code, String message) {
    this(code, message, null, false);
  }

  public CallosumException(ErrorCode code, String message, Throwable cause) {
    this(code, message, cause, false);
  }

  protected CallosumException(ErrorCode code, String message, Throwable cause, boolean remote) {
    super(message, cause);
    this.code = code;
    this.remote = remote;
  }

  /** The kind of failure. */
  public ErrorCode code() {
    return code;
  }

  /** Whether the remote peer reported this failure (as opposed to it being decided locally). */
  public boolean isRemote() {
    return remote;
  }
}
