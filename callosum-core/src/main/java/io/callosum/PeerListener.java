package io.callosum;

/**
 * Hears remotes connect and disconnect. Registered with {@link Peer.Options#listener}; called on
 * the peer's callback executor, one event at a time per remote, connect before disconnect.
 */
public interface PeerListener {
  /** {@code remote} connected (after the lower's handshake). */
  default void connected(RemotePeer remote) {}

  /** {@code remote} went away; its calls in flight have failed with "connection lost". */
  default void disconnected(RemotePeer remote, Throwable cause) {}
}
