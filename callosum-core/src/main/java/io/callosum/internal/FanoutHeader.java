package io.callosum.internal;

import java.nio.ByteBuffer;

/**
 * The core's header of a broadcast or pipeline item: 17 bytes, {@code version (1) | sender id (8,
 * big-endian) | sequence number (8, big-endian)}. The sender id is random per sender object; the
 * sequence number counts the items of one topic from one sender, starting at 1 (a sender that has
 * forgotten a topic starts it at 1 again). Receivers use it to count the items they missed.
 */
public record FanoutHeader(long senderId, long sequence) {
  public static final int LENGTH = 17;
  public static final byte VERSION = 1;

  /** A placeholder before numbering. */
  static final byte[] EMPTY = new byte[0];

  public byte[] encode() {
    return ByteBuffer.allocate(LENGTH).put(VERSION).putLong(senderId).putLong(sequence).array();
  }

  /**
   * The header in {@code bytes}; throws {@link BadMessageException} for a foreign or malformed one.
   */
  public static FanoutHeader decode(byte[] bytes) throws BadMessageException {
    if (bytes.length != LENGTH) {
      throw new BadMessageException(
          "a header of " + bytes.length + " bytes (expected " + LENGTH + ")", null);
    }
    if (bytes[0] != VERSION) {
      throw new BadMessageException(
          "header version " + (bytes[0] & 0xff) + " (this peer reads version " + VERSION + ")",
          null);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes, 1, LENGTH - 1);
    long sender = b.getLong();
    long seq = b.getLong();
    if (seq < 1) {
      throw new BadMessageException("sequence number " + seq + " (must be >= 1)", null);
    }
    return new FanoutHeader(sender, seq);
  }
}
