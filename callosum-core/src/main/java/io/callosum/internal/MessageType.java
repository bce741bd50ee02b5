package io.callosum.internal;

/** Callosum's RPC message types, as in Python Callosum's {@code RPCMessageTypes}. */
public enum MessageType {
  NULL(0),
  FUNCTION(1),
  RESULT(2),
  FAILURE(3),
  ERROR(4),
  CANCEL(5),
  CANCELLED(6),
  /** Extension (capability {@code stream}): one item of a call's stream. */
  STREAM_ITEM(7),
  /** Extension: the receiver of a stream grants the sender more items and bytes. */
  STREAM_CREDIT(8),
  /** Extension: the sender of a stream ends it, completed or failed. */
  STREAM_END(9),
  /** Extension: the receiver of a stream wants no more of it. */
  STREAM_CANCEL(10),
  /** Extension (capability {@code chunk}): a slice of a big FUNCTION's or RESULT's body frame. */
  CHUNK(11),
  /** Extension: the receiver of chunks grants the sender more of them. */
  CHUNK_CREDIT(12),
  /**
   * Extension (capability {@code shutdown}): the sender is shutting down; it takes no new calls,
   * and finishes those in flight.
   */
  SHUTDOWN(13);

  /** The type of each wire code, indexed by the code (not by declaration order). */
  private static final MessageType[] BY_CODE = index(values());

  public final int code;

  MessageType(int code) {
    this.code = code;
  }

  /** A table of {@code types} indexed by their wire codes, in whatever order they are given. */
  static MessageType[] index(MessageType... types) {
    int max = 0;
    for (MessageType t : types) {
      max = Math.max(max, t.code);
    }
    MessageType[] byCode = new MessageType[max + 1];
    for (MessageType t : types) {
      if (byCode[t.code] != null) {
        throw new IllegalArgumentException("two message types with code " + t.code);
      }
      byCode[t.code] = t;
    }
    return byCode;
  }

  /** The type with {@code code}, or null if there is none. */
  public static MessageType of(long code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[(int) code] : null;
  }

  /** Whether this type is one of the stream extension's. */
  public boolean isStream() {
    return this == STREAM_ITEM
        || this == STREAM_CREDIT
        || this == STREAM_END
        || this == STREAM_CANCEL;
  }

  /** Whether this type is one of the chunking extension's. */
  public boolean isChunk() {
    return this == CHUNK || this == CHUNK_CREDIT;
  }

  /** Whether this type answers a FUNCTION. */
  public boolean isReply() {
    return this == RESULT || this == FAILURE || this == ERROR || this == CANCELLED;
  }
}
