package io.callosum;

/**
 * Too many calls in flight: locally (Limits.maxPendingCalls) or at the remote (its concurrency
 * limit and queue were full). Nothing is dropped silently.
 */
public final class OverloadedException extends CallosumException {
  private static final long serialVersionUID = 1L;

  public OverloadedException(String message) {
    super(ErrorCode.OVERLOADED, message, null, false);
  }

  public OverloadedException(String message, Throwable cause) {
    super(ErrorCode.OVERLOADED, message, cause, false);
  }

  /** For failures that the remote peer reported. */
  public OverloadedException(String message, Throwable cause, boolean remote) {
    super(ErrorCode.OVERLOADED, message, cause, remote);
  }
}
