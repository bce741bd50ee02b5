package io.callosum.internal;

import io.callosum.OrderKey;
import java.util.List;
import java.util.Objects;

/**
 * A decoded or to-be-encoded header frame: the five keys of Python Callosum plus the extensions
 * this project adds (sent only to peers that announced them).
 *
 * @param type message type
 * @param method {@code meth}
 * @param orderKey {@code okey}, with its exact msgpack encoding
 * @param seq {@code seq}, the caller's sequence number, 0 to {@link #MAX_SEQ}
 * @param zip whether the body frame is raw-snappy compressed
 * @param chain extension {@code chn}: ancestors of this call, oldest first; empty if absent
 */
public record Header(MessageType type, String method, OrderKey orderKey, long seq, boolean zip, List<CallId> chain) {
  /** The largest {@code seq}: Python Callosum counts modulo 2^32. */
  public static final long MAX_SEQ = 0xffffffffL;

  public Header {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(orderKey, "orderKey");
    if (seq < 0 || seq > MAX_SEQ) {
      throw new IllegalArgumentException("seq out of range: " + seq);
    }
    chain = List.copyOf(chain);
  }

  /** A reply header echoing this request's method, order key and sequence number. */
  public Header reply(MessageType replyType) {
    return new Header(replyType, method, orderKey, seq, false, List.of());
  }
}
