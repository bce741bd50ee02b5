package io.callosum.examples.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.RemoteUserException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The store's nodes in one JVM (in-process lower): routing, replicas, order, fail-over. */
@Timeout(60)
class KvNodeTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int NODES = 3;

  private final List<KvNode> nodes = new ArrayList<>();
  private final List<BoundPeer> peers = new ArrayList<>();
  private ConnectedPeer client;
  private KvClient store;

  @BeforeEach
  void startThreeNodes() {
    String name = "kv-" + UUID.randomUUID();
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      KvNode node = new KvNode();
      BoundPeer peer = KvNode.serve(node, "node-" + i, "inproc://" + name + "-" + i);
      nodes.add(node);
      peers.add(peer);
      addresses.add(peer.address());
    }
    for (int i = 0; i < NODES; i++) {
      nodes.get(i).join(new Cluster.Members(addresses, i));
    }
    client = Peer.builder().connect(addresses.get(0)).build().start();
    store = new KvClient(client, WAIT);
  }

  @AfterEach
  void close() {
    client.close();
    nodes.forEach(KvNode::close);
    peers.forEach(Peer::close);
  }

  @Test
  void everyKeyIsOnItsOwnerAndItsReplicaOnly() {
    for (int i = 0; i < 30; i++) {
      String key = "k" + i;
      int owner = Partitions.owner(key, NODES);
      int replica = Partitions.replica(key, NODES);
      assertNotEquals(owner, replica);
      Store.Result put = store.put(key, "v" + i);
      assertEquals(new Store.Result(Store.Status.OK, "v" + i, 1, owner), put);
      assertEquals(put, nodes.get(owner).local(key));
      assertEquals(
          new Store.Result(Store.Status.OK, "v" + i, 1, replica), nodes.get(replica).local(key));
      int other = 3 - owner - replica;
      assertEquals(Store.Status.NO_SUCH_KEY, nodes.get(other).local(key).status());
    }
  }

  @Test
  void versionsCountEveryWriteDeletesIncluded() {
    assertEquals(1, store.put("a", "x").version());
    assertEquals(2, store.put("a", "y").version());
    assertEquals(3, store.delete("a").version());
    assertEquals(Store.Status.NO_SUCH_KEY, store.get("a").status());
    assertEquals(Store.Status.NO_SUCH_KEY, store.delete("a").status());
    assertEquals(4, store.put("a", "z").version());
    int replica = Partitions.replica("a", NODES);
    assertEquals(0, nodes.get(replica).stats().outOfOrder());
    assertEquals(4, nodes.get(replica).local("a").version());
  }

  @Test
  void casSetsOnlyTheExpectedValue() {
    assertEquals(Store.Status.NO_SUCH_KEY, store.cas("c", "x", "y").status());
    store.put("c", "x");
    Store.Result mismatch = store.cas("c", "w", "y");
    assertEquals(Store.Status.MISMATCH, mismatch.status());
    assertEquals("x", mismatch.value());
    assertEquals(
        new Store.Result(Store.Status.OK, "y", 2, Partitions.owner("c", NODES)),
        store.cas("c", "x", "y"));
    assertEquals("y", store.get("c").value());
  }

  @Test
  void copiesOutOfOrderAreCountedAndStaleOnesIgnored() {
    KvNode replica = nodes.get(0);
    replica.replicate(new Cluster.Copy("r", "a", 1));
    replica.replicate(new Cluster.Copy("r", "c", 3)); // version 2 skipped
    replica.replicate(new Cluster.Copy("r", "b", 2)); // late: older than what it holds
    assertEquals(new Store.Result(Store.Status.OK, "c", 3, 0), replica.local("r"));
    assertEquals(new Cluster.Stats(0, 1, 2, 1), replica.stats());
  }

  @Test
  void aBurstOnOneKeyIsAppliedInTheOrderSent() throws Exception {
    List<CompletableFuture<Store.Result>> sent = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      sent.add(store.putAsync("burst", Integer.toString(i)));
    }
    for (int i = 1; i <= 100; i++) {
      Store.Result r = sent.get(i - 1).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertEquals(Integer.toString(i), r.value());
      assertEquals(i, r.version());
    }
    KvNode replica = nodes.get(Partitions.replica("burst", NODES));
    assertEquals("100", replica.local("burst").value());
    assertEquals(0, replica.stats().outOfOrder());
  }

  @Test
  void theReplicaServesTheKeysOfANodeThatIsDown() {
    String key = keyWithOwnerAndReplica(1, 2);
    store.put(key, "before");
    peers.get(1).close();
    assertEquals(new Store.Result(Store.Status.OK, "before", 1, 2), store.get(key));
    assertEquals(new Store.Result(Store.Status.OK, "after", 2, 2), store.put(key, "after"));
  }

  @Test
  void aKeyWhoseNodesAreBothDownIsUnavailable() {
    String key = keyWithOwnerAndReplica(1, 2);
    peers.get(1).close();
    peers.get(2).close();
    RemoteUserException e = assertThrows(RemoteUserException.class, () -> store.get(key));
    assertEquals(Store.Unavailable.class.getName(), e.remoteName());
    assertTrue(e.getMessage().contains("its nodes 1 and 2 are both down"), e::getMessage);
  }

  @Test
  void aNodeThatHasNotJoinedRefusesCalls() {
    KvNode alone = new KvNode();
    try (BoundPeer peer = KvNode.serve(alone, "alone", "inproc://kv-alone-" + UUID.randomUUID());
        ConnectedPeer c = Peer.builder().connect(peer.address()).build().start()) {
      RemoteUserException e =
          assertThrows(RemoteUserException.class, () -> new KvClient(c, WAIT).get("k"));
      assertTrue(e.getMessage().contains("has not joined a cluster yet"), e::getMessage);
    }
  }

  private static String keyWithOwnerAndReplica(int owner, int replica) {
    for (int i = 0; ; i++) {
      String key = "key-" + i;
      if (Partitions.owner(key, NODES) == owner && Partitions.replica(key, NODES) == replica) {
        return key;
      }
    }
  }
}
