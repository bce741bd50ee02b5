package io.callosum;

/**
 * How a {@link BalancedPeer} spreads calls without an order key over its ready endpoints. Calls
 * with an order key always go to the one endpoint their key maps to (see {@link BalancedPeer}).
 */
public enum Balancing {
  /** Each call to the next ready endpoint in turn. */
  ROUND_ROBIN,

  /**
   * Each call to the ready endpoint with the fewest calls in flight from this client (ties taken in
   * turn), so that a slow endpoint gets fewer calls.
   */
  LEAST_OUTSTANDING
}
