package io.callosum;

/**
 * The call's timeout passed before its reply arrived. A CANCEL was sent to the remote, which
 * cancels the handler.
 */
public final class CallTimeoutException extends CallosumException {
  private static final long serialVersionUID = 1L;

  public CallTimeoutException(String message) {
    super(ErrorCode.TIMEOUT, message, null, false);
  }

  public CallTimeoutException(String message, Throwable cause) {
    super(ErrorCode.TIMEOUT, message, cause, false);
  }

  /** For failures that the remote peer reported. */
  public CallTimeoutException(String message, Throwable cause, boolean remote) {
    super(ErrorCode.TIMEOUT, message, cause, remote);
  }
}
