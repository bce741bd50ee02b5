package io.callosum.internal.balance;

import io.callosum.OrderKey;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chooses the endpoint of one call among the ready ones. A call with an order key goes to the
 * endpoint with the highest rendezvous score of key and endpoint address, so the key keeps its
 * endpoint while the set is unchanged, and a change of the set moves only the keys of the endpoints
 * that came or went. Other calls go round robin, or to the endpoint with the fewest calls in flight
 * (ties taken in turn). Thread-safe and lock-free; any thread.
 */
final class Picker {
  private final boolean leastOutstanding;
  private final AtomicInteger turn = new AtomicInteger();

  Picker(boolean leastOutstanding) {
    this.leastOutstanding = leastOutstanding;
  }

  /**
   * The endpoint for a call with {@code key} ({@link OrderKey#NONE}: no key, as the callee sees it
   * too); null if {@code ready} is empty.
   */
  Backend pick(Backend[] ready, OrderKey key) {
    int n = ready.length;
    if (n == 0) {
      return null;
    }
    if (!key.equals(OrderKey.NONE)) {
      return byKey(ready, key);
    }
    int start = Math.floorMod(turn.getAndIncrement(), n);
    if (!leastOutstanding || n == 1) {
      return ready[start];
    }
    Backend best = ready[start];
    int fewest = best.inFlight();
    for (int i = 1; i < n && fewest > 0; i++) {
      Backend b = ready[(start + i) % n];
      int f = b.inFlight();
      if (f < fewest) {
        best = b;
        fewest = f;
      }
    }
    return best;
  }

  private static Backend byKey(Backend[] ready, OrderKey key) {
    long k = mix(key.hashCode() * 0x9E3779B97F4A7C15L);
    Backend best = null;
    long bestScore = 0;
    for (Backend b : ready) {
      long score = mix(k ^ b.hash);
      if (best == null || Long.compareUnsigned(score, bestScore) > 0) {
        best = b;
        bestScore = score;
      }
    }
    return best;
  }

  /** A 64-bit hash of {@code address}, for rendezvous scores. */
  static long hash(String address) {
    long h = 1125899906842597L;
    for (int i = 0; i < address.length(); i++) {
      h = 31 * h + address.charAt(i);
    }
    return mix(h);
  }

  /** MurmurHash3's finalizer: spreads every input bit over the whole result. */
  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
