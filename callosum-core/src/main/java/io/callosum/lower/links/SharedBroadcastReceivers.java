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
import java.io.IOException;
import java.net.URI;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * {@code resume} and {@code close} from any thread. A group's lock guards its sender links; its
 * receivers and what they keep are its {@link FanoutMembers}' (taken inside the group's lock when
 * an item is handed out, never the other way round); the core's listeners are called under it and
 * never block.
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
      LinkFanoutTransport t,
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
      return g.join(topics, listener, c.queueCapacity());
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

  /** The receivers of one address and their shared endpoint. */
  private final class Group implements LinkListener {
    final Key key;

    /** The credit granted to each sender link. */
    final long window;

    final FanoutMembers members;
    final Map<Link, SenderCredit> sources = new LinkedHashMap<>();
    volatile Endpoint endpoint;

    /** The group's name for the log, made only when a sender overdraws (not per item). */
    final Supplier<String> where = () -> "broadcast at " + endpoint.address();

    Group(Key key, long window) {
      this.key = key;
      this.window = window;
      this.members = new FanoutMembers(() -> endpoint.address(), m -> left());
    }

    FanoutReceiver join(List<String> topics, FanoutListener listener, int capacity) {
      FanoutReceiver m = members.join(topics, listener, capacity);
      subscribeAll();
      return m;
    }

    /**
     * Sends every sender link the union of the members' prefixes as they are now. The union is read
     * and sent under this group's lock, as a connecting link's first one is: a member joining on
     * the application's thread and a link connecting on the lower's (or a member leaving) each read
     * the members and then send, and a union read before another one could otherwise arrive after
     * it, leaving the sender with prefixes that miss a member's.
     */
    private synchronized void subscribeAll() {
      byte[] subscribe = subscription();
      // A copy: a lower may report a link lost from inside its send, on this thread.
      for (Link l : List.copyOf(sources.keySet())) {
        LinkFanout.send(l, subscribe, LinkFanout.EMPTY);
      }
    }

    /** The SUBSCRIBE header for the union of the members' prefixes. */
    byte[] subscription() {
      return LinkFanout.subscribe(members.topics());
    }

    @Override
    public void connected(Link link) {
      if (!LinkFanout.counterpart(link, FanoutPattern.BROADCAST, false)) {
        return;
      }
      SenderCredit s = new SenderCredit(link, window);
      synchronized (this) {
        sources.put(link, s);
        LinkFanout.send(link, subscription(), LinkFanout.EMPTY); // see subscribeAll
      }
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
        members.malformed(e.getMessage());
        return;
      }
      if (!s.spend(where)) {
        sources.remove(link);
        return;
      }
      members.deliver(link, link.memory(), item);
      s.handedOn(this);
    }

    @Override
    public void disconnected(Link link, Throwable cause) {
      synchronized (this) {
        sources.remove(link);
      }
      members.dropFrom(link);
    }

    /** A member left: the last one closes the endpoint, the others narrow the subscription. */
    void left() {
      if (SharedBroadcastReceivers.this.leave(this)) {
        endpoint.close();
        return;
      }
      subscribeAll();
    }
  }
}
