package io.callosum;

/**
 * How a callee orders the calls that share an {@link OrderKey}. Keys are independent: a slow key
 * never delays another key. The key space is shared by all remotes of one peer.
 *
 * <p><b>Callback chains.</b> Under {@link #KEY_RETURN_ORDERED} and {@link #KEY_SERIALIZED}, a call
 * that is causally nested inside a call this peer is still serving on the same key (A calls B.m1,
 * B.m1 calls A.m2, A.m2 calls B.m3 with the same key) neither waits to run nor waits to reply
 * behind its own ancestor: it runs at once, like a re-entrant lock held by the whole call chain.
 * Peers that announce the {@code chain} capability send each call's ancestry in the {@code chn}
 * header extension; calls from peers that do not (Python Callosum) are never treated as nested.
 * Calls unrelated to the chain still wait their turn.
 */
public enum Ordering {
  /**
   * Handlers run concurrently and replies leave as they finish (Python's ExitOrdered scheduler).
   */
  NONE,
  /** Handlers of one key run concurrently, but their replies leave in arrival order. */
  KEY_RETURN_ORDERED,
  /** Handlers of one key run one at a time, in arrival order (Python's KeySerialized scheduler). */
  KEY_SERIALIZED
}
