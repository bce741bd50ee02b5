package io.callosum;

import io.callosum.lower.Capabilities;
import java.util.Optional;

/**
 * A handle on one connected counterpart, the same whichever side connected: a {@link ConnectedPeer}
 * has one ({@link ConnectedPeer#remote()}); a {@link BoundPeer} has one per connected client
 * ({@link Peer#remotes()}), and a handler gets its caller's ({@link CallContext#caller()}). Either
 * side calls the other through it, so a bound peer can call its clients. Thread-safe.
 */
public interface RemotePeer extends Invoker {
  /** A stable, printable id of this remote within its peer (e.g. {@code inproc-3}). */
  String id();

  /** What the remote announced at connect; {@link Capabilities#LEGACY} for Python Callosum. */
  Capabilities capabilities();

  /** The remote's authenticated identity (user id), if the lower authenticated it. */
  Optional<String> identity();

  /**
   * Where this peer reached the remote: for the remote of a peer that connected (a {@link
   * ConnectedPeer}'s, or one connection's of a {@link BalancedPeer}), the address that peer was
   * given to connect to (e.g. {@code tcp://10.0.0.7:5020}, {@code zmq+tcp://...}, {@code
   * redis://host:6379/key}, {@code inproc://name}, {@code tunnel://CLUSTER/NAME}), without any user
   * name or password in it; empty for a remote that connected to this peer (a {@link BoundPeer}'s
   * clients), whose address the core does not know. It does not change; any thread, no I/O.
   */
  default Optional<String> address() {
    return Optional.empty();
  }

  /** Whether the connection to this remote is still up. */
  boolean isConnected();

  /**
   * Whether this remote said it is shutting down ({@link PeerListener#shuttingDown}): new calls to
   * it then fail at once with {@link ShuttingDownException}, but for callbacks of calls it is
   * serving.
   */
  default boolean isShuttingDown() {
    return false;
  }
}
