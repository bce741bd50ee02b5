package io.callosum.lower;

/**
 * The core's side of a lower: receives connection events and envelopes. A lower calls these from
 * its I/O thread, one at a time per link, and in order: {@code connected} first, then {@code
 * received} any number of times, then {@code disconnected} once. Implementations never block.
 */
public interface LinkListener {
  void connected(Link link);

  void received(Link link, Envelope envelope);

  /** {@code cause} says why (null for an orderly close). */
  void disconnected(Link link, Throwable cause);
}
