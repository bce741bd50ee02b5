package io.callosum;

/**
 * The connection carrying the call went away, or the peer was closed, before the reply arrived;
 * also thrown when a connect fails.
 */
public final class ConnectionLostException extends CallosumException {
  private static final long serialVersionUID = 1L;

  public ConnectionLostException(String message) {
    super(ErrorCode.CONNECTION_LOST, message, null, false);
  }

  public ConnectionLostException(String message, Throwable cause) {
    super(ErrorCode.CONNECTION_LOST, message, cause, false);
  }

  /** For failures that the remote peer reported. */
  public ConnectionLostException(String message, Throwable cause, boolean remote) {
    super(ErrorCode.CONNECTION_LOST, message, cause, remote);
  }
}
