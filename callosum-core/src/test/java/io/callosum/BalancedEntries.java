package io.callosum;

import java.util.Map;

/**
 * For tests, also those of other modules (this class ships in the core's test-jar): what a {@link
 * BalancedPeer} holds — its endpoints' states and its table entries (0 once closed). It lives in
 * the peer's package to read the balancer, which the public API does not show.
 */
public final class BalancedEntries {
  private BalancedEntries() {}

  /** Each endpoint's state by address: CONNECTING, READY, SHUTTING_DOWN, EJECTED, DRAINING. */
  public static Map<String, String> states(BalancedPeer peer) {
    return peer.balancer.states();
  }

  /** Endpoints, connections and calls in flight that {@code peer} holds now. */
  public static int of(BalancedPeer peer) {
    return peer.balancer.entries();
  }
}
