package io.callosum.lower.tcp.internal;

/**
 * The state of a connection's outbound buffer, as one that relays frames onto the connection needs
 * it: how much is queued, and whether the remote has stopped reading. Any thread.
 */
public interface Backlog {
  /** Bytes queued and not yet handed to the socket. */
  long queuedBytes();

  /**
   * Whether bytes are queued and the socket has taken none for a heartbeat interval: the remote
   * does not read.
   */
  boolean stalled();
}
