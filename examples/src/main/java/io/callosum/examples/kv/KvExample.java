package io.callosum.examples.kv;

import io.callosum.examples.ChildProcesses;
import io.callosum.examples.ExampleFailure;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code callosum example kv}: a walk through the key-value store on a cluster of node processes.
 * Keys are written and read through one node, which routes each to its owner; every write is on the
 * owner and its replica; a burst of writes on one key stays in order on both; then a node is killed
 * and its keys are served by their replicas. Each step checks what it prints.
 */
public final class KvExample {
  /** The node the example kills: not node 0, which the client calls through. */
  static final int VICTIM = 1;

  private final PrintWriter out;
  private final KvCluster cluster;
  private final int keys;
  private final int burst;
  private final List<String> failures = new ArrayList<>();

  /** The values the store should hold, by key, as the example wrote them. */
  private final Map<String, String> written = new LinkedHashMap<>();

  private KvExample(PrintWriter out, KvCluster cluster, int keys, int burst) {
    this.out = out;
    this.cluster = cluster;
    this.keys = keys;
    this.burst = burst;
  }

  /**
   * Runs the walk-through on {@code cluster} (at least two nodes): {@code keys} keys (at least
   * two), a burst of {@code burst} writes on one key. Returns what did not behave as shown (empty
   * when all did).
   */
  public static List<String> run(PrintWriter out, KvCluster cluster, int keys, int burst)
      throws ExampleFailure, InterruptedException {
    KvExample example = new KvExample(out, cluster, keys, burst);
    example.run();
    out.flush();
    return example.failures;
  }

  private void run() throws ExampleFailure, InterruptedException {
    int n = cluster.addresses().size();
    out.printf(
        "%d node processes (TCP on 127.0.0.1) under KEY_SERIALIZED; each key is on its owner"
            + " and on the next node, its replica%n",
        n);
    for (int i = 0; i < n; i++) {
      ChildProcesses.Child p = cluster.process(i);
      out.printf("  node %d  pid %d  %s%n", i, p.pid(), cluster.addresses().get(i));
    }
    KvClient client = cluster.client(0);
    writeKeys(client, n);
    singleCalls(client);
    replicasMatch();
    orderedBurst(client);
    killAndFailOver(client, n);
  }

  private void writeKeys(KvClient client, int n) {
    int[] owned = new int[n];
    for (int i = 1; i <= keys; i++) {
      String key = "user:" + i;
      Store.Result r = client.put(key, "name-" + i);
      written.put(key, "name-" + i);
      check(
          r.status() == Store.Status.OK && r.node() == cluster.owner(key),
          "put " + key + " is served by its owner");
      owned[cluster.owner(key)]++;
    }
    StringBuilder spread = new StringBuilder();
    for (int i = 0; i < n; i++) {
      spread.append(i == 0 ? "" : ", ").append("node ").append(i).append(": ").append(owned[i]);
    }
    out.printf("Put %d keys through node 0, which sends each to its owner (%s)%n", keys, spread);
  }

  private void singleCalls(KvClient client) {
    String key = keyOwnedBy(1 % cluster.addresses().size());
    Store.Result got = client.get(key);
    out.printf(
        "  get %-8s -> \"%s\" (version %d, from node %d, its owner)%n",
        key, got.value(), got.version(), got.node());
    check(got.value().equals(written.get(key)), "get returns the value put");

    String name = written.get(key);
    Store.Result swapped = client.cas(key, name, name + " (renamed)");
    out.printf(
        "  cas %-8s \"%s\" -> \"%s\": %s (version %d)%n",
        key, name, swapped.value(), swapped.status(), swapped.version());
    check(swapped.status() == Store.Status.OK && swapped.version() == 2, "cas swaps");
    written.put(key, swapped.value());

    Store.Result stale = client.cas(key, name, "someone else");
    out.printf(
        "  cas %-8s \"%s\" -> \"someone else\": %s, the value is \"%s\"%n",
        key, name, stale.status(), stale.value());
    check(
        stale.status() == Store.Status.MISMATCH && stale.value().equals(written.get(key)),
        "cas refuses an unexpected value");

    String gone = key.equals("user:" + keys) ? "user:" + (keys - 1) : "user:" + keys;
    Store.Result deleted = client.delete(gone);
    written.remove(gone);
    Store.Result after = client.get(gone);
    out.printf("  delete %s -> %s; get %s -> %s%n", gone, deleted.status(), gone, after.status());
    check(
        deleted.status() == Store.Status.OK && after.status() == Store.Status.NO_SUCH_KEY,
        "a deleted key has no value");

    Store.Result unknown = client.get("nobody");
    out.printf("  get nobody  -> %s%n", unknown.status());
    check(unknown.status() == Store.Status.NO_SUCH_KEY, "an unknown key has no value");
  }

  private void replicasMatch() {
    int same = 0;
    for (String key : written.keySet()) {
      Store.Result owner = cluster.node(cluster.owner(key)).local(key);
      Store.Result replica = cluster.node(cluster.replica(key)).local(key);
      if (owner.equals(withNode(replica, owner.node())) && replica.status() == Store.Status.OK) {
        same++;
      }
    }
    out.printf(
        "Every key's replica holds its owner's value and version: %d of %d keys%n",
        same, written.size());
    check(same == written.size(), "every replica matches its owner");
  }

  private void orderedBurst(KvClient client) throws ExampleFailure, InterruptedException {
    String key = "counter";
    List<CompletableFuture<Store.Result>> sent = new ArrayList<>();
    for (int i = 1; i <= burst; i++) {
      sent.add(client.putAsync(key, Integer.toString(i))); // no wait between them
    }
    long previous = 0;
    boolean increasing = true;
    for (CompletableFuture<Store.Result> f : sent) {
      long version;
      try {
        version = f.get(KvCluster.CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).version();
      } catch (ExecutionException | TimeoutException e) {
        throw new ExampleFailure("a put on \"" + key + "\" failed: " + e.getMessage(), e);
      }
      increasing &= version == previous + 1;
      previous = version;
    }
    written.put(key, Integer.toString(burst));
    int owner = cluster.owner(key);
    int replica = cluster.replica(key);
    Store.Result atOwner = cluster.node(owner).local(key);
    Store.Result atReplica = cluster.node(replica).local(key);
    Cluster.Stats stats = cluster.node(replica).stats();
    out.printf(
        "%d puts on \"%s\" (values 1 to %d) sent without waiting: versions 1 to %d in the order"
            + " sent%s;%n  node %d (owner) holds \"%s\" version %d, node %d (replica) \"%s\""
            + " version %d, %d of its copies out of order%n",
        burst,
        key,
        burst,
        burst,
        increasing ? "" : " NOT",
        owner,
        atOwner.value(),
        atOwner.version(),
        replica,
        atReplica.value(),
        atReplica.version(),
        stats.outOfOrder());
    check(increasing, "the puts on one key are applied in the order sent");
    String last = Integer.toString(burst);
    check(
        last.equals(atOwner.value())
            && last.equals(atReplica.value())
            && atOwner.version() == burst
            && atReplica.version() == burst
            && stats.outOfOrder() == 0,
        "owner and replica hold the last put, copies in order");
  }

  private void killAndFailOver(KvClient client, int n) {
    ChildProcesses.Child victim = cluster.process(VICTIM);
    victim.kill();
    out.printf("Killed node %d (pid %d) with SIGKILL%n", VICTIM, victim.pid());
    int replica = (VICTIM + 1) % n;
    int theirs = 0;
    int servedByReplica = 0;
    int others = 0;
    int othersServed = 0;
    String firstOfVictim = null;
    for (Map.Entry<String, String> e : written.entrySet()) {
      Store.Result r = client.get(e.getKey());
      boolean right = r.status() == Store.Status.OK && e.getValue().equals(r.value());
      if (cluster.owner(e.getKey()) == VICTIM) {
        theirs++;
        if (right && r.node() == replica) {
          servedByReplica++;
        }
        firstOfVictim = firstOfVictim == null ? e.getKey() : firstOfVictim;
      } else {
        others++;
        if (right && r.node() == cluster.owner(e.getKey())) {
          othersServed++;
        }
      }
    }
    out.printf(
        "  its %d keys are served by their replica, node %d: %d of %d read back as last written%n",
        theirs, replica, servedByReplica, theirs);
    out.printf(
        "  the other nodes' keys are served by their owners: %d of %d read back%n",
        othersServed, others);
    check(servedByReplica == theirs, "the replica serves the killed node's keys");
    check(othersServed == others, "the other keys are served as before");
    if (firstOfVictim != null) {
      Store.Result r = client.put(firstOfVictim, "written after the kill");
      out.printf(
          "  put %s -> %s (version %d, by node %d: the replica takes the writes too)%n",
          firstOfVictim, r.status(), r.version(), r.node());
      check(r.status() == Store.Status.OK && r.node() == replica, "the replica takes writes");
    }
  }

  private String keyOwnedBy(int node) {
    for (String key : written.keySet()) {
      if (cluster.owner(key) == node) {
        return key;
      }
    }
    return written.keySet().iterator().next();
  }

  private static Store.Result withNode(Store.Result r, int node) {
    return new Store.Result(r.status(), r.value(), r.version(), node);
  }

  private void check(boolean ok, String what) {
    if (!ok) {
      failures.add(what);
    }
  }
}
