package io.callosum.lower.tcp.internal;

import java.util.List;

/**
 * No security: no handshake, frames travel as they are. Established at once; {@code seal} and
 * {@code open} return their argument (no copy).
 */
public final class NullSecurity implements ConnectionSecurity {
  /** The mechanism name in the preamble. */
  public static final String NAME = "NULL";

  @Override
  public String mechanism() {
    return NAME;
  }

  @Override
  public List<byte[]> start() {
    return List.of();
  }

  @Override
  public List<byte[]> receive(byte[] frame) throws SecurityFailure {
    throw new SecurityFailure(
        SecurityFailure.Kind.PROTOCOL, "a handshake frame on a connection without security");
  }

  @Override
  public boolean established() {
    return true;
  }

  @Override
  public String userId() {
    return null;
  }

  @Override
  public byte[] seal(byte[] plaintext) {
    return plaintext;
  }

  @Override
  public byte[] open(byte[] frame) {
    return frame;
  }
}
