package io.callosum.lower;

/** The one-to-many patterns a lower may offer besides request/reply. */
public enum FanoutPattern {
  /**
   * Every receiver gets every item whose topic starts with one of its topic prefixes (ZeroMQ
   * PUB/SUB). A receiver that falls behind loses items: the sender never waits for it.
   */
  BROADCAST,
  /**
   * Each item goes to exactly one of the connected receivers (ZeroMQ PUSH/PULL): a shared work
   * queue. The sender waits (or its offer fails) while no receiver has room.
   */
  PIPELINE
}
