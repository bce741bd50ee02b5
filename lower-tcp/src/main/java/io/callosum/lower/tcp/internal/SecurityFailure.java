package io.callosum.lower.tcp.internal;

/** Why a connection's security refused it. */
public final class SecurityFailure extends Exception {
  /** Whether the remote failed to prove who it is, or broke the protocol. */
  public enum Kind { AUTHENTICATION, PROTOCOL }

  /** A refusal of this kind, with a reason fit for a log line. */
  public SecurityFailure(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  private final Kind kind;

  /** Whether the remote failed to prove who it is, or broke the protocol. */
  public Kind kind() {
    return kind;
  }
}
