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
 */
final class ChannelTable {
  private final Map<Integer, Channel> byNumber = new HashMap<>();

  /** The channel looked up or added last, while it is in the table; else null. */
  private Channel last;

  /** The open channel {@code number}, or null. */
  Channel get(int number) {
    Channel ch = last;
    if (ch != null && ch.number == number) {
      return ch;
    }
    ch = byNumber.get(number);
    if (ch != null) {
      last = ch;
    }
    return ch;
  }

  boolean contains(int number) {
    return get(number) != null;
  }

  /** Adds {@code ch} under its number (the caller made sure none is open with it). */
  void add(Channel ch) {
    byNumber.put(ch.number, ch);
    last = ch;
  }

  /** Removes {@code ch} if it is still open; whether it was. */
  boolean remove(Channel ch) {
    if (!byNumber.remove(ch.number, ch)) {
      return false;
    }
    if (last == ch) {
      last = null;
    }
    return true;
  }

  /** Removes and returns channel {@code number}, or null if none is open. */
  Channel remove(int number) {
    Channel ch = byNumber.remove(number);
    if (ch != null && last == ch) {
      last = null;
    }
    return ch;
  }

  int size() {
    return byNumber.size();
  }

  /** Every open channel, removed from the table. */
  List<Channel> removeAll() {
    List<Channel> open = new ArrayList<>(byNumber.values());
    byNumber.clear();
    last = null;
    return open;
  }
}
