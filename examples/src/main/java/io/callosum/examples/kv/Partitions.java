package io.callosum.examples.kv;

/**
 * Which node owns a key and which holds its replica: the owner by a hash of the key, the replica
 * the next node in index order. Every node and client computes the same.
 */
final class Partitions {
  private Partitions() {}

  /** The owner of {@code key} among {@code nodes} nodes. */
  static int owner(String key, int nodes) {
    int h = key.hashCode(); // specified by String: the same in every JVM
    h ^= h >>> 16; // spread the high bits: keys that differ in their last character differ here
    h *= 0x45d9f3b;
    h ^= h >>> 16;
    return Math.floorMod(h, nodes);
  }

  /** The node that holds the replica of {@code key}. */
  static int replica(String key, int nodes) {
    return (owner(key, nodes) + 1) % nodes;
  }
}
