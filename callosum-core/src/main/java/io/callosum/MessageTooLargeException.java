package io.callosum;

/**
 * A message exceeded the message size limit: an outgoing one is refused before sending, an incoming
 * one is answered with an error reply.
 */
public final class MessageTooLargeException extends CallosumException {
  private static final long serialVersionUID = 1L;

  public MessageTooLargeException(String message) {
    super(ErrorCode.MESSAGE_TOO_LARGE, message, null, false);
  }

  public MessageTooLargeException(String message, Throwable cause) {
    super(ErrorCode.MESSAGE_TOO_LARGE, message, cause, false);
  }

  /** For failures that the remote peer reported. */
  public MessageTooLargeException(String message, Throwable cause, boolean remote) {
    super(ErrorCode.MESSAGE_TOO_LARGE, message, cause, remote);
  }
}
