package io.callosum.micrometer.internal;

import io.callosum.Peer;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The peers of one lower being watched, and how many remotes they have connected together: the
 * value of one {@code callosum.connections} gauge. Holds the peers weakly, so a peer dropped by the
 * application is not kept alive by its metrics. Thread-safe; read on the registry's thread.
 */
public final class LowerConnections {
  private final List<WeakReference<Peer>> peers = new CopyOnWriteArrayList<>();

  /** Counts {@code peer}'s remotes from now on. */
  public void add(Peer peer) {
    peers.add(new WeakReference<>(peer));
  }

  /** The remotes connected to the watched peers (a closed peer has none). */
  public double count() {
    peers.removeIf(ref -> ref.get() == null);
    int n = 0;
    for (WeakReference<Peer> ref : peers) {
      Peer p = ref.get();
      n += p == null ? 0 : p.remotes().size();
    }
    return n;
  }
}
