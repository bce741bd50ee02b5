package io.callosum.lower.links;

import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutListener;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.MemoryBudget;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The broadcast receivers of this process that share one way in from their senders (a link, a
 * socket): an item that came in once is handed to every member whose topic prefixes match it. A
 * member whose core has no room (paused) keeps what arrives for it, up to its queue capacity,
 * counted in the memory holder the item came with; past that it misses items, which its core counts
 * from the gaps in their sequence numbers, as when a sender drops an item for a receiver without
 * credit. So one slow member never slows the others, and what it keeps is bounded.
 *
 * <p>For lower implementers that share a receiving endpoint (see {@link LinkFanoutTransport}).
 * Thread-safe: one lock (this object's) guards the members and what they hold; the core's listeners
 * are called under it and never block. A member's {@code resume} and {@code close} may come from
 * any thread.
 */
public final class FanoutMembers {
  private final Supplier<String> address;
  private final Consumer<FanoutReceiver> onClose;
  private final List<Member> members = new ArrayList<>();

  /**
   * {@code address}: what each member's {@code address()} says; {@code onClose}: called (not under
   * this object's lock) when a member is closed, after it left.
   */
  public FanoutMembers(Supplier<String> address, Consumer<FanoutReceiver> onClose) {
    this.address = address;
    this.onClose = onClose;
  }

  /** A new member: receives the items whose topic starts with one of {@code topics}. */
  public synchronized FanoutReceiver join(
      List<String> topics, FanoutListener listener, int capacity) {
    Member m = new Member(topics.isEmpty() ? List.of("") : topics, listener, capacity);
    members.add(m);
    return m;
  }

  /** The union of the members' topic prefixes, in the order they came. */
  public synchronized Set<String> topics() {
    Set<String> union = new LinkedHashSet<>();
    for (Member m : members) {
      union.addAll(m.topics);
    }
    return union;
  }

  public synchronized boolean isEmpty() {
    return members.isEmpty();
  }

  /**
   * Hands {@code item}, which came from {@code source} and counts in {@code memory} while kept, to
   * every member that wants it (the lower's thread).
   */
  public synchronized void deliver(Object source, MemoryBudget.Holder memory, FanoutItem item) {
    for (Member m : members) {
      if (LinkFanout.matches(m.prefixes, item.topic())) {
        m.take(source, memory, item);
      }
    }
  }

  /** Tells every member that an item was dropped as malformed. */
  public synchronized void malformed(String reason) {
    for (Member m : members) {
      m.listener.malformed(reason);
    }
  }

  /** Lets go of what the members keep from {@code source} (gone). */
  public synchronized void dropFrom(Object source) {
    for (Member m : members) {
      m.dropFrom(source);
    }
  }

  /** Removes {@code m}, letting go of what it keeps; false if it had left already. */
  private synchronized boolean leave(Member m) {
    if (!members.remove(m)) {
      return false;
    }
    m.dropFrom(null);
    return true;
  }

  /** An item kept for a paused member, with its source and the holder that counts it. */
  private record Held(Object source, MemoryBudget.Holder memory, FanoutItem item) {
    long size() {
      return item.size();
    }
  }

  /** One receiver: its topics, its core's listener, what it keeps while paused. */
  private final class Member implements FanoutReceiver {
    final List<String> topics;
    final List<byte[]> prefixes = new ArrayList<>();
    final FanoutListener listener;
    final int capacity;

    /** Guarded by the members' lock. */
    final ArrayDeque<Held> held = new ArrayDeque<>();

    boolean paused;

    Member(List<String> topics, FanoutListener listener, int capacity) {
      this.topics = List.copyOf(topics);
      for (String t : topics) {
        prefixes.add(t.getBytes(StandardCharsets.UTF_8));
      }
      this.listener = listener;
      this.capacity = capacity;
    }

    /**
     * Under the lock: delivers {@code item}, or keeps it while paused (behind what is kept already,
     * so nothing overtakes), or, with {@code capacity} items kept, misses it.
     */
    void take(Object source, MemoryBudget.Holder memory, FanoutItem item) {
      if (paused || !held.isEmpty()) {
        if (held.size() < capacity) {
          Held h = new Held(source, memory, item);
          memory.add(h.size());
          held.add(h);
        } // else missed: the core counts it from the gap in the sequence numbers
        return;
      }
      if (!listener.received(item)) {
        paused = true;
      }
    }

    /** Under the lock: lets go of what came from {@code source} (everything if null). */
    void dropFrom(Object source) {
      held.removeIf(
          h -> {
            if (source == null || h.source() == source) {
              h.memory().release(h.size());
              return true;
            }
            return false;
          });
    }

    @Override
    public String address() {
      return address.get();
    }

    /** Items kept while paused go first, until paused again. Any thread. */
    @Override
    public void resume() {
      synchronized (FanoutMembers.this) {
        paused = false;
        while (!paused) {
          Held h = held.poll();
          if (h == null) {
            return;
          }
          h.memory().release(h.size());
          if (!listener.received(h.item())) {
            paused = true;
          }
        }
      }
    }

    @Override
    public void close() {
      if (leave(this)) {
        onClose.accept(this);
      }
    }
  }
}
