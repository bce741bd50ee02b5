package io.callosum;

/**
 * The remote handler threw an exception (a FAILURE reply), with the metadata the handler set for
 * its reply ({@link CallContext#setReplyMetadata}).
 */
public final class RemoteUserException extends RemoteException {
  private static final long serialVersionUID = 1L;

  /** Not serialized: metadata belongs to the call, not to a stored exception. */
  private final transient Metadata metadata;

  public RemoteUserException(String remoteName, String remoteRepr, String remoteTraceback) {
    this(remoteName, remoteRepr, remoteTraceback, Metadata.EMPTY);
  }

  public RemoteUserException(
      String remoteName, String remoteRepr, String remoteTraceback, Metadata metadata) {
    super(
        ErrorCode.REMOTE_USER_ERROR,
        "remote handler failed",
        remoteName,
        remoteRepr,
        remoteTraceback);
    this.metadata = metadata;
  }

  /**
   * The metadata of the FAILURE reply; empty if the handler set none, the remote does not announce
   * metadata, or this exception was deserialized.
   */
  public Metadata metadata() {
    return metadata != null ? metadata : Metadata.EMPTY;
  }
}
