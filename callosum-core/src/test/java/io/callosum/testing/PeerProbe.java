package io.callosum.testing;

import io.callosum.BalancedEntries;
import io.callosum.BalancedPeer;
import io.callosum.InternalEntries;
import io.callosum.Peer;
import java.util.Map;

/**
 * The test hooks of {@link InternalEntries} and {@link BalancedEntries}, for tests of modules that
 * compile against the core as a module (where the test-jar's classes in the peer's own package are
 * out of sight).
 */
public final class PeerProbe {
  private PeerProbe() {}

  /** The entries {@code peer} holds in its internal tables. */
  public static int entries(Peer peer) {
    return InternalEntries.of(peer);
  }

  /** Each endpoint's state by address. */
  public static Map<String, String> states(BalancedPeer peer) {
    return BalancedEntries.states(peer);
  }

  /** What {@code peer} holds: endpoints, connections, calls in flight. */
  public static int entries(BalancedPeer peer) {
    return BalancedEntries.of(peer);
  }
}
