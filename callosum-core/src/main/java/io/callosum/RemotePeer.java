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
