package io.callosum.examples.kv;

import java.util.List;

/**
 * What the nodes call on each other, and the example on each node (a typed msgpack service,
 * blocking on both ends).
 */
public interface Cluster {
  /**
   * Joins the cluster: the addresses of all nodes, by index, and this node's index. Called once by
   * whoever started the nodes, before any {@link Store} call.
   */
  void join(Members members);

  /**
   * Serves {@code op} as the key's primary: the owner, which also writes it to the replica before
   * it answers, or the replica when the owner is down (then the only copy). Called with the key as
   * order key.
   */
  Store.Result primary(Op op);

  /**
   * Writes a primary's change of one key to this replica; applied in version order. Called with
   * {@link #replicaKey} of the key as order key.
   */
  void replicate(Copy copy);

  /** This node's own copy of {@code key}, without routing (to compare owner and replica). */
  Store.Result local(String key);

  /** What this node holds and has replicated. */
  Stats stats();

  /** The order key of the copies of {@code key} at its replica. */
  static String replicaKey(String key) {
    // Not the key itself: a node forwarding a call on the key to its owner holds that key while
    // the owner writes the copy back to it, and the copy must not wait for the forwarded call.
    return "replica:" + key;
  }

  /** The cluster: every node's address, by index, and the receiving node's index. */
  record Members(List<String> addresses, int self) {}

  /** A call on one key. */
  record Op(Kind kind, String key, String value, String expected) {}

  /** The kinds of calls. */
  enum Kind {
    GET,
    PUT,
    DELETE,
    CAS
  }

  /** A key's state after a write, sent to its replica; a null value is a delete. */
  record Copy(String key, String value, long version) {}

  /**
   * A node's counts.
   *
   * @param node its index
   * @param keys keys with a value
   * @param replicated copies applied as a replica
   * @param outOfOrder copies that skipped a version (0 when copies arrive in order)
   */
  record Stats(int node, long keys, long replicated, long outOfOrder) {}
}
