package io.callosum;

/**
 * Hears remotes connect and disconnect. Registered with {@link Peer.Options#listener}; called on
 * the peer's callback executor, one event at a time per remote, connect before disconnect.
 */
public interface PeerListener {
  /** {@code remote} connected (after the lower's handshake). */
  default void connected(RemotePeer remote) {}

  /**
   * {@code remote} went away; its calls in flight have failed with {@link ConnectionLostException}.
   * {@code cause} says why: null when the remote closed the connection in order (as far as its
   * lower can tell: ZeroMQ cannot, and names the disconnection), else what broke it, or "peer
   * closed" when this peer closed.
   */
  default void disconnected(RemotePeer remote, Throwable cause) {}

  /**
   * {@code remote} said it is shutting down ({@link Peer#shutdown()} there): it finishes the calls
   * in flight, then disconnects; new calls to it fail at once with {@link ShuttingDownException}.
   * Heard only from remotes that announce it (Java peers; a Python peer just disconnects).
   */
  default void shuttingDown(RemotePeer remote) {}
}
