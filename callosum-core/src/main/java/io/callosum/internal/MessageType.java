package io.callosum.internal;

/** Callosum's RPC message types, as in Python Callosum's {@code RPCMessageTypes}. */
public enum MessageType {
  NULL(0),
  FUNCTION(1),
  RESULT(2),
  FAILURE(3),
  ERROR(4),
  CANCEL(5),
  CANCELLED(6);

  private static final MessageType[] BY_CODE = values();
  public final int code;

  MessageType(int code) {
    this.code = code;
  }

  /** The type with {@code code}, or null if there is none. */
  public static MessageType of(long code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[(int) code] : null;
  }

  /** Whether this type answers a FUNCTION. */
  public boolean isReply() {
    return this == RESULT || this == FAILURE || this == ERROR || this == CANCELLED;
  }
}
