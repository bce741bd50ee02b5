package io.callosum;

/**
 * A call refused because a peer is shutting down ({@link Peer#shutdown()}): nothing of it ran, so
 * it is safe to make again, elsewhere or once a peer is serving again. Decided locally when this
 * peer is shutting down (its new calls are not sent) or when the remote has said it is (then {@link
 * #isRemote()} is true and nothing was sent either); or reported by the remote in an error reply
 * ({@code callosum.ShuttingDown}) to a call that arrived after its shutdown began.
 */
public final class ShuttingDownException extends CallosumException {
  private static final long serialVersionUID = 1L;

  public ShuttingDownException(String message) {
    super(ErrorCode.SHUTTING_DOWN, message, null, false);
  }

  /** For refusals that the remote peer reported (an error reply, or its shutdown notice). */
  public ShuttingDownException(String message, Throwable cause, boolean remote) {
    super(ErrorCode.SHUTTING_DOWN, message, cause, remote);
  }
}
