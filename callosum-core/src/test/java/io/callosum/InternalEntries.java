package io.callosum;

/**
 * For tests, also those of other modules (this class ships in the core's test-jar): how many calls,
 * transfers and stream windows a peer holds in its internal tables. 0 for an idle peer, so a test
 * that ends with it proves that every call it made released what it held. It lives in the peer's
 * package to read the peer's engine, which the public API does not show.
 */
public final class InternalEntries {
  private InternalEntries() {}

  /** The entries {@code peer} holds now. */
  public static int of(Peer peer) {
    return peer.engine.internalEntries();
  }
}
