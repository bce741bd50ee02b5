package io.callosum.lower.tcp.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The open channels of one connection, by number, with the one looked up last kept beside the map:
 * a connection's records mostly come for one channel (a direct connection has only one), and each
 * DATA record looked its channel up twice (to read its bytes straight into their arrays, then to
 * deliver them). Loop thread only.
 *
 * @param <C> what is kept per number ({@link Channel} in a connection)
 */
final class ChannelTable<C> {
  private final Map<Integer, C> byNumber = new HashMap<>();

  /** The entry looked up or added last, while it is in the table (else null), and its number. */
  private C last;

  private int lastNumber;

  /** The open channel {@code number}, or null. */
  C get(int number) {
    C c = last;
    if (c != null && lastNumber == number) {
      return c;
    }
    c = byNumber.get(number);
    if (c != null) {
      remember(number, c);
    }
    return c;
  }

  boolean contains(int number) {
    return get(number) != null;
  }

  /** Adds {@code c} as channel {@code number} (the caller made sure none is open with it). */
  void add(int number, C c) {
    byNumber.put(number, c);
    remember(number, c);
  }

  /** Removes channel {@code number} if it is still {@code c}; whether it was. */
  boolean remove(int number, C c) {
    if (!byNumber.remove(number, c)) {
      return false;
    }
    forget(c);
    return true;
  }

  /** Removes and returns channel {@code number}, or null if none is open. */
  C remove(int number) {
    C c = byNumber.remove(number);
    if (c != null) {
      forget(c);
    }
    return c;
  }

  int size() {
    return byNumber.size();
  }

  /** Every open channel, removed from the table. */
  List<C> removeAll() {
    List<C> open = new ArrayList<>(byNumber.values());
    byNumber.clear();
    last = null;
    return open;
  }

  private void remember(int number, C c) {
    last = c;
    lastNumber = number;
  }

  private void forget(C c) {
    if (last == c) {
      last = null;
    }
  }
}
