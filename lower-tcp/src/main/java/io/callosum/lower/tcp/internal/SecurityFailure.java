package io.callosum.lower.tcp.internal;

/** Why a connection's security refused it. */
public final class SecurityFailure extends Exception {
  private static final long serialVersionUID = 1L;

  /** Whether the remote's credentials were refused, or it broke the handshake protocol. */
  public enum Kind {
    AUTHENTICATION,
    PROTOCOL
  }

  public SecurityFailure(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  private final Kind kind;

  public Kind kind() {
    return kind;
  }
}
