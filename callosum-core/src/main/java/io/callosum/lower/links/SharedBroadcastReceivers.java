package io.callosum.lower.links;

import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutListener;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.Link;
import io.callosum.lower.LinkListener;
import io.callosum.lower.Transport;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The broadcast receivers of one transport that connect to one address, sharing one endpoint: an
 * item crosses the connection once, however many receivers of this process want it, and is handed
 * to each of them here. The sender sees one receiver link subscribed to the union of their topic
 * prefixes.
 *
 * <p>Flow control moves into this process: the shared link grants the sender credit and returns it
 * as soon as an item is handed out, so one slow receiver never slows the link for the others. A
 * receiver whose core has no room (paused) keeps what arrives for it, up to its queue capacity
 * (counted in the link's memory budget); past that it misses items, which its core counts from the
 * gaps in their sequence numbers, as when a sender drops an item for a receiver without credit.
 *
 * <p>Threads: {@link #open} from any thread; link events on the lower's threads; each receiver's
 * {@code resume} and {@code close} from any thread. One lock per group guards its receivers, links
 * and held items; the core's listeners are called under it and never block.
 */
final class SharedBroadcastReceivers {
  /** Groups by address and the item size their endpoint admits. Guarded by {@code this}. */
  private final Map<Key, Group> groups = new HashMap<>();

  private record Key(URI address, int maxMessageSize) {}

  /**
   * A broadcast receiver connecting to {@code address} over {@code t}: a member of the group of
   * that address, which opens its endpoint with the first member and closes it with the last.
   */
  FanoutReceiver open(
      Transport t,
      URI address,
      FanoutConfig c,
      List<String> topics,
      FanoutListener listener,
      long maxCredit)
      throws IOException {
    if (c.pattern() != FanoutPattern.BROADCAST || c.bind()) {
      throw new IllegalArgumentException("only connecting broadcast receivers share a link: " + c);
    }
    Key key = new Key(address, c.maxMessageSize());
    synchronized (this) {
      Group g = groups.get(key);
      if (g == null) {
        g = new Group(key, Math.min(c.queueCapacity(), maxCredit));
        g.endpoint = LinkFanout.open(t, address, c, false, g);
        groups.put(key, g);
      }
      return g.join(topics.isEmpty() ? List.of("") : topics, listener, c.queueCapacity());
    }
  }

  /** Groups open now (for tests). */
  synchronized int groups() {
    return groups.size();
  }

  private synchronized boolean leave(Group g) {
    if (g.members.isEmpty() && groups.get(g.key) == g) {
      groups.remove(g.key);
      return true;
    }
    return false;
  }

  /** An item held for a paused receiver, with the link whose memory budget counts it. */
  private record Held(Link link, FanoutItem item) {
    long size() {
      return (long) item.topic().length + item.header().length + item.body().length;
    }
  }

  /** The receivers of one address and their shared endpoint. */
  private final class Group implements LinkListener {
    final Key key;

    /** The credit granted to each sender link. */
    final long window;

    final List<Member> members = new ArrayList<>();
    final Map<Link, SenderCredit> sources = new LinkedHashMap<>();
    volatile Endpoint endpoint;

    /** The group's name for the log, made only when a sender overdraws (not per item). */
    final Supplier<String> where = () -> "broadcast at " + endpoint.address();

    Group(Key key, long window) {
      this.key = key;
      this.window = window;
    }

    Member join(List<String> topics, FanoutListener listener, int capacity) {
      Member m = new Member(this, topics, listener, capacity);
      List<Link> links;
      synchronized (this) {
        members.add(m);
        links = new ArrayList<>(sources.keySet());
      }
      byte[] subscribe = subscription();
      for (Link l : links) {
        LinkFanout.send(l, subscribe, LinkFanout.EMPTY);
      }
      return m;
    }

    /** The SUBSCRIBE header for the union of the members' prefixes. */
    synchronized byte[] subscription() {
      Set<String> union = new LinkedHashSet<>();
      for (Member m : members) {
        union.addAll(m.topics);
      }
      return LinkFanout.subscribe(union);
    }

    @Override
    public void connected(Link link) {
      if (!LinkFanout.counterpart(link, FanoutPattern.BROADCAST, false)) {
        return;
      }
      SenderCredit s = new SenderCredit(link, window);
      synchronized (this) {
        sources.put(link, s);
      }
      LinkFanout.send(link, subscription(), LinkFanout.EMPTY);
      s.grantWindow();
    }

    /** One item from the sender (the lower's I/O thread): handed to every member that wants it. */
    @Override
    public synchronized void received(Link link, Envelope env) {
      SenderCredit s = sources.get(link);
      if (s == null) {
        return;
      }
      FanoutItem item;
      try {
        item = LinkFanout.parseItem(env);
      } catch (RuntimeException e) {
        for (Member m : members) {
          m.listener.malformed(e.getMessage());
        }
        return;
      }
      if (!s.spend(where)) {
        sources.remove(link);
        return;
      }
      for (Member m : members) {
        if (LinkFanout.matches(m.prefixes, item.topic())) {
          m.take(link, item);
        }
      }
      s.handedOn();
    }

    @Override
    public void disconnected(Link link, Throwable cause) {
      synchronized (this) {
        sources.remove(link);
        for (Member m : members) {
          m.dropFrom(link);
        }
      }
    }

    void leave(Member m) {
      List<Link> links;
      synchronized (this) {
        if (!members.remove(m)) {
          return;
        }
        m.dropFrom(null);
        links = new ArrayList<>(sources.keySet());
      }
      if (SharedBroadcastReceivers.this.leave(this)) {
        endpoint.close();
        return;
      }
      byte[] subscribe = subscription();
      for (Link l : links) {
        LinkFanout.send(l, subscribe, LinkFanout.EMPTY);
      }
    }
  }

  /** One receiver of a group: its topics, its core's listener, what it holds while paused. */
  private static final class Member implements FanoutReceiver {
    final Group group;
    final List<String> topics;
    final List<byte[]> prefixes = new ArrayList<>();
    final FanoutListener listener;
    final int capacity;

    /** Guarded by the group's lock. */
    final ArrayDeque<Held> held = new ArrayDeque<>();

    boolean paused;

    Member(Group group, List<String> topics, FanoutListener listener, int capacity) {
      this.group = group;
      this.topics = List.copyOf(topics);
      for (String t : topics) {
        prefixes.add(t.getBytes(StandardCharsets.UTF_8));
      }
      this.listener = listener;
      this.capacity = capacity;
    }

    /**
     * Under the group's lock: delivers {@code item}, or keeps it while paused (behind what is kept
     * already, so nothing overtakes), or, with {@code capacity} items kept, misses it.
     */
    void take(Link link, FanoutItem item) {
      if (paused || !held.isEmpty()) {
        if (held.size() < capacity) {
          Held h = new Held(link, item);
          link.memory().add(h.size());
          held.add(h);
        } // else missed: the core counts it from the gap in the sequence numbers
        return;
      }
      if (!listener.received(item)) {
        paused = true;
      }
    }

    /** Under the group's lock: lets go of what came over {@code link} (every link if null). */
    void dropFrom(Link link) {
      held.removeIf(
          h -> {
            if (link == null || h.link() == link) {
              h.link().memory().release(h.size());
              return true;
            }
            return false;
          });
    }

    @Override
    public String address() {
      return group.endpoint.address();
    }

    /** Items kept while paused go first, until paused again. Any thread. */
    @Override
    public void resume() {
      synchronized (group) {
        paused = false;
        while (!paused) {
          Held h = held.poll();
          if (h == null) {
            return;
          }
          h.link().memory().release(h.size());
          if (!listener.received(h.item())) {
            paused = true;
          }
        }
      }
    }

    @Override
    public void close() {
      group.leave(this);
    }
  }
}
