package io.callosum.benchmarks;

import io.callosum.Peer;
import io.callosum.lower.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * A serving side that is one bound Callosum peer: {@code ADDRESS SECURITY} ({@link Security})
 * choose where it binds and its lower; ready with its address (and its public key under CURVE);
 * {@code remotes} counts its remote peers.
 */
final class ServedPeer implements Served {
  private final Peer peer;
  private final List<String> ready = new ArrayList<>();

  /**
   * @param open binds the peer at an address with a lower (null: the scheme's default) and starts
   *     it
   */
  ServedPeer(String address, String security, BiFunction<String, Transport, Peer> open) {
    Security s = Security.server(address, security);
    peer = open.apply(address, s.transport());
    ready.add(Peers.address(peer));
    ready.addAll(List.of(s.facts()));
  }

  @Override
  public List<String> ready() {
    return ready;
  }

  @Override
  public String command(String name, List<String> args) {
    if (name.equals("remotes")) {
      return Integer.toString(Peers.remotes(peer));
    }
    throw new IllegalArgumentException("unknown command " + name);
  }

  @Override
  public void close() {
    peer.close();
  }
}
