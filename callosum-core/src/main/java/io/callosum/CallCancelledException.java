package io.callosum;

/**
 * The call was cancelled: its future was cancelled locally, or the remote answered CANCELLED (for
 * example its execution timeout passed).
 */
public final class CallCancelledException extends CallosumException {
  private static final long serialVersionUID = 1L;

  public CallCancelledException(String message) {
    super(ErrorCode.CANCELLED, message, null, false);
  }

  public CallCancelledException(String message, Throwable cause) {
    super(ErrorCode.CANCELLED, message, cause, false);
  }

  /** For failures that the remote peer reported. */
  public CallCancelledException(String message, Throwable cause, boolean remote) {
    super(ErrorCode.CANCELLED, message, cause, remote);
  }
}
