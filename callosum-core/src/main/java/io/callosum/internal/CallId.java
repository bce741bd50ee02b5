package io.callosum.internal;

import java.nio.ByteBuffer;

/**
 * Identifies one call across peers: the caller's announced instance id and the call's sequence
 * number. Carried in call chains as a 12-byte bin (8 bytes instance, 4 bytes seq, big-endian).
 *
 * @param seq the call's sequence number, 0 to {@link Header#MAX_SEQ} (it travels as 4 bytes)
 */
public record CallId(long instance, long seq) {
  public static final int ENCODED_SIZE = 12;

  public CallId {
    if (seq < 0 || seq > Header.MAX_SEQ) {
      throw new IllegalArgumentException("seq out of range: " + seq);
    }
  }

  public byte[] encode() {
    return ByteBuffer.allocate(ENCODED_SIZE).putLong(instance).putInt((int) seq).array();
  }

  /** Decodes 12 bytes; returns null for any other length. */
  public static CallId decode(byte[] b) {
    if (b.length != ENCODED_SIZE) {
      return null;
    }
    ByteBuffer buf = ByteBuffer.wrap(b);
    return new CallId(buf.getLong(), buf.getInt() & 0xffffffffL);
  }
}
