package io.callosum.lower.tcp.testing;

import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.testing.Await;

/** Clients for tests that need one that shares no connection with any other. */
public final class OwnConnection {
  private OwnConnection() {}

  /**
   * A started client of {@code address} on a transport of its own (so on a connection of its own),
   * its calls bounded by {@link Await#LIMIT}; the caller closes it.
   */
  public static ConnectedPeer client(String address) {
    return Peer.builder()
        .transport(new TcpTransport())
        .connect(address)
        .defaultTimeout(Await.LIMIT)
        .build()
        .start();
  }
}
