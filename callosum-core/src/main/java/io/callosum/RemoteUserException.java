package io.callosum;

/** The remote handler threw an exception (a FAILURE reply). */
public final class RemoteUserException extends RemoteException {
  private static final long serialVersionUID = 1L;

  public RemoteUserException(String remoteName, String remoteRepr, String remoteTraceback) {
    super(
        ErrorCode.REMOTE_USER_ERROR,
        "remote handler failed",
        remoteName,
        remoteRepr,
        remoteTraceback);
  }
}
