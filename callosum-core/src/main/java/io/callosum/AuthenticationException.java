package io.callosum;

/**
 * The remote refused this peer's credentials, or this peer could not verify the remote (e.g. a
 * wrong server key). Raised by lowers that authenticate (CURVE), typically from {@link
 * ConnectedPeer#start()}.
 */
public final class AuthenticationException extends CallosumException {
  private static final long serialVersionUID = 1L;

  public AuthenticationException(String message) {
    super(ErrorCode.AUTHENTICATION_FAILED, message, null, false);
  }

  public AuthenticationException(String message, Throwable cause) {
    super(ErrorCode.AUTHENTICATION_FAILED, message, cause, false);
  }
}
