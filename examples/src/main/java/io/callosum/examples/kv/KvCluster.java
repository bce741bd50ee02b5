package io.callosum.examples.kv;

import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.examples.ChildProcesses;
import io.callosum.upper.MsgpackServices;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The node processes of a key-value store, started and joined into one cluster, with a connection
 * to each for the caller: {@link #client} to call the store through a node, {@link #node} to ask a
 * node itself. The processes belong to the {@link ChildProcesses} they were started by; closing
 * this closes the connections. Used by one thread.
 */
public final class KvCluster implements AutoCloseable {
  /** How long a call through a node may take (it may wait for calls between nodes). */
  public static final Duration CALL_TIMEOUT = KvNode.NODE_TIMEOUT.multipliedBy(3);

  private final List<ChildProcesses.Child> processes;
  private final List<String> addresses;
  private final List<ConnectedPeer> peers = new ArrayList<>();

  private KvCluster(List<ChildProcesses.Child> processes, List<String> addresses) {
    this.processes = processes;
    this.addresses = addresses;
  }

  /**
   * Starts {@code nodes} node processes, waits for them (at most {@code timeout}) and joins them.
   */
  public static KvCluster start(ChildProcesses children, int nodes, Duration timeout)
      throws IOException {
    List<ChildProcesses.Child> processes = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      processes.add(children.start("node " + i, KvNode.class, List.of(Integer.toString(i))));
    }
    List<String> addresses = new ArrayList<>();
    for (ChildProcesses.Child p : processes) {
      addresses.add(p.awaitReady(timeout));
    }
    KvCluster cluster = new KvCluster(processes, List.copyOf(addresses));
    try {
      for (int i = 0; i < nodes; i++) {
        cluster.node(i).join(new Cluster.Members(cluster.addresses, i));
      }
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** The nodes' addresses, by index. */
  public List<String> addresses() {
    return addresses;
  }

  /** The process of node {@code i}. */
  public ChildProcesses.Child process(int i) {
    return processes.get(i);
  }

  /** A client of the store through node {@code i}. */
  public KvClient client(int i) {
    return new KvClient(peer(i), CALL_TIMEOUT);
  }

  /** Node {@code i} itself. */
  public Cluster node(int i) {
    return MsgpackServices.client(peer(i), Cluster.class).withTimeout(CALL_TIMEOUT).stub();
  }

  /** The owner of {@code key}. */
  public int owner(String key) {
    return Partitions.owner(key, addresses.size());
  }

  /** The node that holds the replica of {@code key}. */
  public int replica(String key) {
    return Partitions.replica(key, addresses.size());
  }

  private ConnectedPeer peer(int i) {
    while (peers.size() <= i) {
      peers.add(null);
    }
    if (peers.get(i) == null) {
      peers.set(i, Peer.builder().name("kv-client-" + i).connect(addresses.get(i)).build().start());
    }
    return peers.get(i);
  }

  @Override
  public void close() {
    for (ConnectedPeer p : peers) {
      if (p != null) {
        p.close();
      }
    }
    peers.clear();
  }
}
