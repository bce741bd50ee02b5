package io.callosum.lower.tcp.internal;

/**
 * Why a connection's security refused it. Only a server's refusal by its admission check (the
 * user's authenticator said no) carries a {@link #reply} for the remote; every other failure closes
 * the connection without telling why (it is logged locally), so that a prober learns nothing from a
 * malformed or forged command.
 */
public final class SecurityFailure extends Exception {
  private static final long serialVersionUID = 1L;

  /** Whether the remote's credentials were refused, or it broke the handshake protocol. */
  public enum Kind {
    AUTHENTICATION,
    PROTOCOL
  }

  private final Kind kind;
  private final transient byte[] reply;

  /** A failure the remote is not told about. */
  public SecurityFailure(Kind kind, String message) {
    this(kind, message, null);
  }

  /**
   * A failure the remote is told about with {@code reply}: a handshake frame of the mechanism (for
   * CURVE an ERROR command), sent in the clear before the connection closes; null for none.
   */
  public SecurityFailure(Kind kind, String message, byte[] reply) {
    super(message);
    this.kind = kind;
    this.reply = reply;
  }

  public Kind kind() {
    return kind;
  }

  /** The handshake frame to send the remote before closing, or null to close without a word. */
  public byte[] reply() {
    return reply;
  }
}
