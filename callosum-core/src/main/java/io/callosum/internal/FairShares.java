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
 * connection): the lower decides it, never a message. A share is made with the first call of its
 * remote and forgotten when it holds nothing. Not thread-safe: the scheduler's owner calls it under
 * its lock.
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

  /** The share of {@code source}'s remote, made if it holds nothing yet. */
  Share shareOf(Source source) {
    return shares.computeIfAbsent(source.key(), k -> new Share(source));
  }

  /** The share of {@code source}'s remote, or null if it holds nothing. */
  Share held(Source source) {
    return shares.get(source.key());
  }

  /** What {@code source}'s remote holds now, for a refusal; never null. */
  String describe(Source source) {
    Share s = held(source);
    return s != null ? s.toString() : source.name() + ": nothing held";
  }

  void addCall(Share s, int delta) {
    s.calls += delta;
  }

  void addBytes(Share s, long delta) {
    s.bytes += delta;
  }

  /** {@code s} takes ({@code +1}) or frees ({@code -1}) a handler slot. */
  void addRunning(Share s, int delta) {
    boolean wasWaiting = waiting.remove(s); // its place depends on running: re-sorted below
    s.running += delta;
    if (wasWaiting) {
      waiting.add(s);
    }
  }

  /** Forgets {@code s} if it holds nothing. */
  void forgetIfIdle(Share s) {
    if (s.idle()) {
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
   * The queue is full and a call of {@code arriving} comes: the newest waiting call of the remote
   * that holds the most calls per unit of weight, if that remote holds more than {@code arriving}
   * would with the new call (weights compared); else null, and the new call is the one refused.
   * Looks at every remote with a waiting call: this runs only when the queue is full.
   */
  @SuppressWarnings("unchecked") // only calls of type C are queued
  C victimFor(Source arriving) {
    Share own = shares.get(arriving.key());
    long ownCalls = (own != null ? own.calls : 0) + 1L;
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

  /** Entries in its tables (0 when no call is in progress): for the leak checks of tests. */
  int entries() {
    return shares.size() + waiting.size();
  }
}
