package io.callosum.examples.soak;

import io.callosum.examples.soak.Violations.Kind;
import java.util.HashMap;
import java.util.Map;

/**
 * The caller's check of an ordering policy that orders replies ({@code KEY_RETURN_ORDERED}, {@code
 * KEY_SERIALIZED}): on one order key, the successful replies arrive in the order their calls were
 * sent. Calls that failed are left out (an error that needs no handler, such as "overloaded",
 * leaves at once, outside the key's order), so only a reply that comes after the reply of a later
 * call on its key is a violation.
 *
 * <p>A caller feeds it from a callback executor with one thread, which runs completions in the
 * order the replies arrived; each key's calls are sent by one thread, numbered from 0. That thread
 * must not wait on the calls' futures themselves: a thread waiting on a {@code CompletableFuture}
 * helps run its dependent actions once it wakes, so a completion could run there after a later one
 * ran on the callback thread. It waits on the dependent stages instead ({@link
 * Ledger#settleWhenDone}).
 */
final class ReplyOrder {
  private final String site;
  private final Violations violations;
  private final Map<String, Long> latest = new HashMap<>(); // guarded by this

  ReplyOrder(String site, Violations violations) {
    this.site = site;
    this.violations = violations;
  }

  /** The call numbered {@code seq} on {@code key} succeeded now. */
  synchronized void succeeded(String key, long seq) {
    Long before = latest.get(key);
    if (before != null && before > seq) {
      violations.add(
          Kind.ORDER,
          site + ": the reply of call " + seq + " on key " + key + " came after that of " + before);
      return;
    }
    latest.put(key, seq);
  }
}
