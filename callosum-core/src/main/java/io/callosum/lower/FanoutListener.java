package io.callosum.lower;

/**
 * The core's side of a {@link FanoutReceiver}. A lower calls it from its I/O thread, one item at a
 * time, in arrival order; it never blocks.
 */
public interface FanoutListener {
  /**
   * One item arrived. Returns false when the core has no room for another: the lower then stops
   * reading (so its queues, and then the sender's, fill up) until {@link FanoutReceiver#resume()}.
   */
  boolean received(FanoutItem item);

  /** An item was dropped as malformed (e.g. wrong frame count or oversize); for counting only. */
  default void malformed(String reason) {}
}
