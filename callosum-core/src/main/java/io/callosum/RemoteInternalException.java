package io.callosum;

/**
 * The remote framework failed while serving the call (an ERROR reply): the method is unknown
 * ({@link ErrorCode#NO_SUCH_METHOD}), the request could not be decoded, the result could not be
 * encoded, or the remote's scheduling failed.
 */
public final class RemoteInternalException extends RemoteException {
  private static final long serialVersionUID = 1L;

  public RemoteInternalException(
      ErrorCode code, String remoteName, String remoteRepr, String remoteTraceback) {
    super(code, "remote error", remoteName, remoteRepr, remoteTraceback);
  }
}
