package io.callosum.examples.kv;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Ordering;
import io.callosum.Peer;
import io.callosum.examples.ParentLink;
import io.callosum.upper.MsgpackClient;
import io.callosum.upper.MsgpackServices;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node process of the key-value store: it holds the keys it owns and the replicas of its
 * neighbour's, and serves {@link Store} (routing each key to its primary) and {@link Cluster}.
 * Every handler is plain sequential code that blocks while it calls another node: the peer's
 * handler executor gives each call a thread of its own (a virtual thread on Java 21 or newer), and
 * {@code KEY_SERIALIZED} runs the calls on one key one at a time, in arrival order, which is what
 * keeps a key's versions, and its copies at the replica, in order.
 *
 * <p>{@code main(INDEX)} binds TCP on 127.0.0.1, prints {@code READY <address>} and serves until
 * its stdin ends ({@link ParentLink}).
 */
public final class KvNode implements Store, Cluster {
  /** How long a call to another node may take. */
  static final Duration NODE_TIMEOUT = Duration.ofSeconds(10);

  /** A key's state here: its value (null once deleted) and version. */
  private record Entry(String value, long version) {}

  private final ConcurrentHashMap<String, Entry> data = new ConcurrentHashMap<>();
  private final AtomicLong replicated = new AtomicLong();
  private final AtomicLong outOfOrder = new AtomicLong();

  /** Set once by {@link #join}; the links to the other nodes (null for this one). */
  private volatile int self = -1;

  private volatile List<MsgpackClient<Cluster>> nodes = List.of();
  private final List<ConnectedPeer> links = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    KvNode node = new KvNode();
    try (BoundPeer peer = serve(node, "kv-node-" + args[0], "tcp://127.0.0.1:0")) {
      ParentLink.ready(peer.address());
      ParentLink.awaitEnd();
    } finally {
      node.close();
    }
  }

  /** A started peer named {@code name}, bound at {@code address}, serving {@code node}. */
  static BoundPeer serve(KvNode node, String name, String address) {
    BoundPeer peer =
        Peer.builder().name(name).ordering(Ordering.KEY_SERIALIZED).bind(address).build();
    try {
      MsgpackServices.bind(peer, Store.class, node);
      MsgpackServices.bind(peer, Cluster.class, node);
      return peer.start();
    } catch (RuntimeException e) {
      peer.close();
      throw e;
    }
  }

  @Override
  public synchronized void join(Members members) {
    if (self >= 0) {
      throw new IllegalStateException("node " + self + " has joined already");
    }
    List<MsgpackClient<Cluster>> clients = new ArrayList<>();
    for (int i = 0; i < members.addresses().size(); i++) {
      if (i == members.self()) {
        clients.add(null);
        continue;
      }
      ConnectedPeer link =
          Peer.builder()
              .name("kv-node-" + members.self() + "-to-" + i)
              .connect(members.addresses().get(i))
              .build()
              .start();
      links.add(link);
      clients.add(MsgpackServices.client(link, Cluster.class).withTimeout(NODE_TIMEOUT));
    }
    nodes = Collections.unmodifiableList(clients);
    self = members.self();
  }

  // The client's calls: each goes to the key's primary.

  @Override
  public Result get(String key) {
    return route(new Op(Kind.GET, key, null, null));
  }

  @Override
  public Result put(Write write) {
    return route(new Op(Kind.PUT, write.key(), write.value(), null));
  }

  @Override
  public Result delete(String key) {
    return route(new Op(Kind.DELETE, key, null, null));
  }

  @Override
  public Result cas(Swap swap) {
    return route(new Op(Kind.CAS, swap.key(), swap.value(), swap.expected()));
  }

  /** Serves {@code op} here if this node is its primary, else calls the primary. */
  private Result route(Op op) {
    if (op.key() == null || op.key().isEmpty()) {
      throw new IllegalArgumentException("a key has at least one character");
    }
    int n = nodes.size();
    if (n == 0) {
      throw new IllegalStateException("this node has not joined a cluster yet");
    }
    int owner = Partitions.owner(op.key(), n);
    for (int node : new int[] {owner, Partitions.replica(op.key(), n)}) {
      if (node == self) {
        return primary(op);
      }
      try {
        return nodes.get(node).withOrderKey(op.key()).stub().primary(op);
      } catch (ConnectionLostException down) {
        // the owner is down: its replica serves the key
      }
    }
    throw new Unavailable(
        "key '"
            + op.key()
            + "' is unavailable: its nodes "
            + owner
            + " and "
            + Partitions.replica(op.key(), n)
            + " are both down");
  }

  // What the nodes call on each other.

  @Override
  public Result primary(Op op) {
    String key = op.key();
    Entry now = data.get(key);
    boolean exists = now != null && now.value() != null;
    long version = now == null ? 0 : now.version();
    Entry next =
        switch (op.kind()) {
          case GET -> null;
          case PUT -> new Entry(op.value(), version + 1);
          case DELETE -> exists ? new Entry(null, version + 1) : null;
          case CAS ->
              exists && now.value().equals(op.expected())
                  ? new Entry(op.value(), version + 1)
                  : null;
        };
    if (next == null) { // a read, or a write that does not apply: nothing changes
      if (!exists) {
        return missing(version);
      }
      return op.kind() == Kind.CAS
          ? new Result(Status.MISMATCH, now.value(), version, self)
          : ok(now);
    }
    // Under KEY_SERIALIZED this call is the only one on its key here: no write in between.
    data.put(key, next);
    int n = nodes.size();
    if (Partitions.owner(key, n) == self) { // the owner writes the copy before it answers
      int replica = Partitions.replica(key, n);
      try {
        nodes
            .get(replica)
            .withOrderKey(Cluster.replicaKey(key))
            .stub()
            .replicate(new Copy(key, next.value(), next.version()));
      } catch (ConnectionLostException down) {
        // the replica is down: this node holds the only copy
      }
    }
    return ok(next);
  }

  @Override
  public void replicate(Copy copy) {
    data.compute(
        copy.key(),
        (k, had) -> {
          long version = had == null ? 0 : had.version();
          if (copy.version() <= version) {
            return had; // a copy this node has already applied
          }
          if (copy.version() != version + 1) {
            outOfOrder.incrementAndGet();
          }
          replicated.incrementAndGet();
          return new Entry(copy.value(), copy.version());
        });
  }

  @Override
  public Result local(String key) {
    Entry e = data.get(key);
    return e == null || e.value() == null ? missing(e == null ? 0 : e.version()) : ok(e);
  }

  @Override
  public Stats stats() {
    long keys = data.values().stream().filter(e -> e.value() != null).count();
    return new Stats(self, keys, replicated.get(), outOfOrder.get());
  }

  private Result ok(Entry e) {
    return new Result(Status.OK, e.value(), e.version(), self);
  }

  private Result missing(long version) {
    return new Result(Status.NO_SUCH_KEY, null, version, self);
  }

  /** Closes the links to the other nodes. */
  synchronized void close() {
    links.forEach(Peer::close);
  }
}
