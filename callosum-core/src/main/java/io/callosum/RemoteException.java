package io.callosum;

/**
 * A failure reported by the remote peer, with the remote exception's name, its textual form and its
 * stack trace text, exactly as carried by Callosum's ErrorMetadata ({@code [name, repr,
 * traceback]}). A Python peer sends e.g. {@code ZeroDivisionError}; a Java peer sends the class
 * name, {@code toString()} and the printed stack trace.
 */
public abstract class RemoteException extends CallosumException {
  private static final long serialVersionUID = 1L;
  private final String remoteName;
  private final String remoteRepr;
  private final String remoteTraceback;

  protected RemoteException(
      ErrorCode code, String prefix, String remoteName, String remoteRepr, String remoteTraceback) {
    super(code, prefix + ": " + remoteRepr, null, true);
    this.remoteName = remoteName;
    this.remoteRepr = remoteRepr;
    this.remoteTraceback = remoteTraceback;
  }

  /** The remote exception's type name, e.g. {@code java.lang.ArithmeticException}. */
  public String remoteName() {
    return remoteName;
  }

  /** The remote exception's textual form ({@code toString()} / Python {@code repr()}). */
  public String remoteRepr() {
    return remoteRepr;
  }

  /** The remote stack trace as text; may contain the remote's file paths. */
  public String remoteTraceback() {
    return remoteTraceback;
  }
}
