package io.callosum.internal;

import io.callosum.internal.CalleeScheduler.Entry;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The remotes' fair shares of a peer's handler slots and call queue, for the {@link
 * CalleeScheduler}: what each remote's calls hold ({@link Share}), the calls each one has waiting
 * for a slot, which of them gets the next free slot, and whose waiting call is cut when the queue
 * is full.
 *
 * <ul>
 *   <li><b>Slots</b> go to the waiting remote with the fewest running calls per unit of weight;
 *       among equals, in turn. Nothing is reserved: a remote alone may run in every slot, and a
 *       running handler is never stopped to make room, so a remote that arrives while another holds
 *       every slot gets the next slots that free (the concurrency counterpart of weighted fair
 *       queueing).
 *   <li><b>Queue</b>: when it is full, the remote holding the most calls per unit of weight gives
 *       up its newest waiting call ({@link #victimFor}), if it holds more than the arriving call's
 *       remote would with that call.
 * </ul>
 *
 * <p>A remote is whatever its {@link Source#key} names (an authenticated identity, or one
 * connection): the lower decides it, never a message. A share is made when the first link of its
 * remote connects ({@link #join}) and forgotten once no link holds it and it holds nothing, so a
 * connected remote's calls find their share without a lookup. Not thread-safe: the scheduler's
 * owner calls it under its lock.
 *
 * @param <C> the owner's call type
 */
final class FairShares<C extends Entry> {
  /**
   * Who a call counts against: {@code key} is equal for the calls of one remote (for fair shares);
   * {@code weight} (at least 1) its relative share; {@code name} says who it is in refusals.
   */
  record Source(Object key, int weight, String name) {
    Source {
      if (weight < 1) {
        throw new IllegalArgumentException("a share weight must be at least 1, was " + weight);
      }
    }
  }

  /**
   * What one remote's calls hold: calls admitted, handler slots and bytes, and the calls waiting.
   */
  static final class Share {
    final Source source;

    /** Links of this remote that hold the share ({@link #join}, {@link #leave}). */
    private int links;

    private int calls;
    private int running;
    private long bytes;

    /** Its calls waiting for a handler slot, in arrival order. */
    private final ArrayDeque<Entry> slotWaiting = new ArrayDeque<>(4);

    /**
     * Its calls waiting for a slot or for their key, oldest first: a list threaded through {@link
     * Entry#newerQueued} so that the newest is cut and any one leaves in constant time.
     */
    private Entry oldestQueued;

    private Entry newestQueued;

    /** Orders equal shares in {@link #waiting}: the share served longest ago goes first. */
    private long turn;

    Share(Source source) {
      this.source = source;
    }

    int calls() {
      return calls;
    }

    long bytes() {
      return bytes;
    }

    int running() {
      return running;
    }

    boolean idle() {
      return calls == 0 && running == 0 && bytes == 0 && oldestQueued == null;
    }

    @Override
    public String toString() {
      return source.name()
          + ": "
          + calls
          + " calls ("
          + running
          + " running) and "
          + bytes
          + " bytes held"
          + (source.weight() == 1 ? "" : ", weight " + source.weight());
    }
  }

  private final Map<Object, Share> shares = new HashMap<>();

  /** Shares with a call waiting for a slot, the next to get one first. */
  private final TreeSet<Share> waiting =
      new TreeSet<>(
          (a, b) -> {
            int c =
                Long.compare(
                    (long) a.running * b.source.weight(), (long) b.running * a.source.weight());
            return c != 0 ? c : Long.compare(a.turn, b.turn);
          });

  private long turns;

  /**
   * A link of {@code source}'s remote connected: the remote's share, made with its first link (its
   * weight and name are those of that link's source). The link holds it until {@link #leave}.
   */
  Share join(Source source) {
    Share s = shares.get(source.key());
    if (s == null) {
      s = new Share(source);
      shares.put(source.key(), s);
    }
    s.links++;
    return s;
  }

  /** A link that {@link #join joined} {@code s} is gone; the share goes once it holds nothing. */
  void leave(Share s) {
    s.links--;
    forgetIfIdle(s);
  }

  void addCall(Share s, int delta) {
    s.calls += delta;
  }

  void addBytes(Share s, long delta) {
    s.bytes += delta;
  }

  /** {@code s} takes ({@code +1}) or frees ({@code -1}) a handler slot. */
  void addRunning(Share s, int delta) {
    // In the tree exactly while it has a call waiting; its place depends on running: re-sorted.
    boolean wasWaiting = !s.slotWaiting.isEmpty() && waiting.remove(s);
    s.running += delta;
    if (wasWaiting) {
      waiting.add(s);
    }
  }

  /** Forgets {@code s} if it holds nothing and no link holds it. */
  void forgetIfIdle(Share s) {
    if (s.links <= 0 && s.idle()) {
      shares.remove(s.source.key(), s);
    }
  }

  // ---------------------------------------------------------------- waiting for a slot

  /** {@code c} waits for a handler slot, behind its remote's earlier ones. */
  void waitForSlot(C c) {
    Share s = c.share;
    s.slotWaiting.add(c);
    if (s.slotWaiting.size() == 1) {
      s.turn = ++turns;
      waiting.add(s);
    }
  }

  /** Takes {@code c} out of the slot queue (cancelled, cut or promoted). */
  void leaveSlotQueue(C c) {
    Share s = c.share;
    if (s.slotWaiting.remove(c) && s.slotWaiting.isEmpty()) {
      waiting.remove(s);
    }
  }

  /** The call to get the slot that just freed, taken out of its queue; null if none waits. */
  @SuppressWarnings("unchecked") // only calls of type C enter slotWaiting
  C nextForSlot() {
    Share s = waiting.pollFirst();
    if (s == null) {
      return null;
    }
    C next = (C) s.slotWaiting.poll();
    if (!s.slotWaiting.isEmpty()) {
      s.turn = ++turns; // served: behind the equal shares next time (re-sorted as it takes a slot)
      waiting.add(s);
    }
    return next;
  }

  // ---------------------------------------------------------------- the queue

  /** {@code c} starts waiting (for its key or a slot): it may be cut from now on. */
  void queued(C c) {
    Share s = c.share;
    c.olderQueued = s.newestQueued;
    c.newerQueued = null;
    if (s.newestQueued != null) {
      s.newestQueued.newerQueued = c;
    } else {
      s.oldestQueued = c;
    }
    s.newestQueued = c;
  }

  /** {@code c} no longer waits (it runs, or was removed). */
  void unqueued(C c) {
    Share s = c.share;
    if (c.olderQueued != null) {
      c.olderQueued.newerQueued = c.newerQueued;
    } else {
      s.oldestQueued = c.newerQueued;
    }
    if (c.newerQueued != null) {
      c.newerQueued.olderQueued = c.olderQueued;
    } else {
      s.newestQueued = c.olderQueued;
    }
    c.olderQueued = null;
    c.newerQueued = null;
  }

  /**
   * The queue is full and a call of {@code own}'s remote comes: the newest waiting call of the
   * remote that holds the most calls per unit of weight, if that remote holds more than {@code own}
   * would with the new call (weights compared); else null, and the new call is the one refused.
   * Looks at every remote with a waiting call: this runs only when the queue is full.
   */
  @SuppressWarnings("unchecked") // only calls of type C are queued
  C victimFor(Share own) {
    long ownCalls = own.calls + 1L;
    Source arriving = own.source;
    Share heaviest = null;
    for (Share s : shares.values()) {
      if (s == own || s.newestQueued == null) {
        continue;
      }
      if (heaviest == null
          || (long) s.calls * heaviest.source.weight()
              > (long) heaviest.calls * s.source.weight()) {
        heaviest = s;
      }
    }
    if (heaviest == null
        || (long) heaviest.calls * arriving.weight() <= ownCalls * heaviest.source.weight()) {
      return null;
    }
    return (C) heaviest.newestQueued;
  }

  /**
   * Entries in its tables (0 when no call is in progress; shares that links hold do not count): for
   * the leak checks of tests.
   */
  int entries() {
    int n = waiting.size();
    for (Share s : shares.values()) {
      if (s.links <= 0) {
        n++; // kept only while it holds something: a leak once the peer is idle
      }
    }
    return n;
  }
}
