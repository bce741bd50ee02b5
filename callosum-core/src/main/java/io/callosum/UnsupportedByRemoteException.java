package io.callosum;

/**
 * The remote did not announce what the call needs (e.g. streams, which a Python Callosum peer
 * lacks): refused locally, nothing was sent.
 */
public final class UnsupportedByRemoteException extends CallosumException {
  private static final long serialVersionUID = 1L;

  public UnsupportedByRemoteException(String message) {
    super(ErrorCode.UNSUPPORTED, message, null, false);
  }
}
