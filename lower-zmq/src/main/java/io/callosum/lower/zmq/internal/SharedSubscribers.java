package io.callosum.lower.zmq.internal;

import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutListener;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.MemoryBudget;
import io.callosum.lower.links.FanoutMembers;
import io.callosum.lower.zmq.ZmqOptions;
import java.io.IOException;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The plain broadcast receivers of one transport that connect to one address, sharing one SUB
 * socket: an item crosses the connection and is read once, however many receivers of this process
 * want it, and is handed to each of them here ({@link FanoutMembers}). The socket subscribes to the
 * union of their topic prefixes, and follows it as receivers come and go.
 *
 * <p>The shared socket never stops reading: a receiver whose core has no room keeps what arrives
 * for it, up to its queue capacity, then misses items (its core counts them from the sequence
 * numbers), so one slow receiver never holds up the others. Before, each receiver had a SUB socket
 * of its own, and the publisher's high-water mark dropped what a slow one did not read; either way
 * what a slow receiver keeps is bounded by its queue capacity.
 *
 * <p>Threads: {@link #open} from any thread; items on the socket's loop thread; a receiver's {@code
 * resume} and {@code close} from any thread.
 */
public final class SharedSubscribers {
  private final SharedContext context;
  private final ZmqOptions options;

  /** Groups by address and the item size their socket admits. Guarded by {@code this}. */
  private final Map<Key, Group> groups = new HashMap<>();

  private record Key(URI address, int maxMessageSize) {}

  public SharedSubscribers(SharedContext context, ZmqOptions options) {
    this.context = context;
    this.options = options;
  }

  /**
   * A broadcast receiver connecting to {@code address}: a member of the group of that address,
   * which opens its socket with the first member and closes it with the last.
   */
  public FanoutReceiver open(
      URI address, FanoutConfig config, List<String> topics, FanoutListener listener)
      throws IOException {
    if (config.pattern() != FanoutPattern.BROADCAST || config.bind()) {
      throw new IllegalArgumentException("only connecting broadcast receivers share a socket");
    }
    Key key = new Key(address, config.maxMessageSize());
    synchronized (this) {
      Group g = groups.get(key);
      if (g == null) {
        g = new Group(key);
        FanoutReceiver member = g.members.join(topics, listener, config.queueCapacity());
        g.socket =
            ZmqFanoutReceiver.create(
                context, address, config, options, List.copyOf(g.members.topics()), g);
        groups.put(key, g);
        return member;
      }
      FanoutReceiver member = g.members.join(topics, listener, config.queueCapacity());
      g.socket.subscribe(g.members.topics());
      return member;
    }
  }

  /** Groups open now (for tests). */
  public synchronized int groups() {
    return groups.size();
  }

  /** Removes {@code g} if its last member left; true if it did (the caller closes its socket). */
  private synchronized boolean leave(Group g) {
    if (g.members.isEmpty() && groups.get(g.key) == g) {
      groups.remove(g.key);
      return true;
    }
    return false;
  }

  /** The receivers of one address and their socket; the socket's listener. */
  private final class Group implements FanoutListener {
    final Key key;
    final FanoutMembers members;
    volatile ZmqFanoutReceiver socket;

    Group(Key key) {
      this.key = key;
      this.members = new FanoutMembers(() -> socket.address(), m -> left());
    }

    /** The loop thread: an item for every member that wants it; the socket reads on. */
    @Override
    public boolean received(FanoutItem item) {
      members.deliver(this, MemoryBudget.NONE, item);
      return true;
    }

    @Override
    public void malformed(String reason) {
      members.malformed(reason);
    }

    /** A member left: the last one closes the socket, the others narrow its subscription. */
    void left() {
      if (leave(this)) {
        socket.close();
      } else {
        socket.subscribe(members.topics());
      }
    }
  }
}
