package io.callosum.lower;

import java.util.Objects;

/**
 * One broadcast or pipeline item as a lower moves it: three byte strings, none of which the lower
 * interprets except the topic, which receivers filter on by prefix. The arrays are not copied; the
 * sender must not change them once offered.
 *
 * @param topic the topic in UTF-8 (may be empty)
 * @param header the core's item header (sender id and sequence number)
 * @param body the item as encoded by the upper
 */
public record FanoutItem(byte[] topic, byte[] header, byte[] body) {
  public FanoutItem {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(header, "header");
    Objects.requireNonNull(body, "body");
  }

  /** The bytes the item takes on the wire, not counting framing. */
  public long size() {
    return (long) topic.length + header.length + body.length;
  }

  @Override
  public String toString() {
    return "FanoutItem(topic "
        + topic.length
        + " bytes, header "
        + header.length
        + ", body "
        + body.length
        + ")";
  }
}
