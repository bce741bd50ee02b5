package io.callosum.fanout;

import io.callosum.Body;
import io.callosum.CodecException;

/**
 * One item received from a broadcast or a pipeline: its topic and its body, decoded on demand by
 * the receiver's codec.
 *
 * @param topic the topic the sender gave (empty if none)
 * @param body the item's body
 */
public record Delivery(String topic, Body body) {
  /** The body in the codec's generic form; throws {@link CodecException} if malformed. */
  public Object value() {
    return body.value();
  }

  /** The body decoded as {@code type}; throws {@link CodecException} if it does not fit. */
  public <T> T as(Class<T> type) {
    return body.as(type);
  }
}
