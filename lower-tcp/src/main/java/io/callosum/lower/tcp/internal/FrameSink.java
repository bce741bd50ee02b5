package io.callosum.lower.tcp.internal;

import io.callosum.CallosumException;

/**
 * The owner of connections that relays frames rather than ending channels itself (a gateway): it
 * gets every frame of a channel, since such a connection holds no {@link Channel} of its own.
 * Called on the connection's I/O thread only, {@link #established} before any frame and {@link
 * #closed} once, last.
 */
public interface FrameSink {
  /** The preamble and security handshake are done: frames may flow. */
  void established(FrameConnection c);

  /**
   * One frame of channel {@code channel} ({@code frame[0]} is its {@code kind}): OPEN, OPENED,
   * CLOSE, OPEN_TO, REGISTER, REGISTERED, UNREGISTER, CREDIT (each with its channel field), or a
   * well-formed DATA frame (its header length within the frame). The array is the sink's to keep or
   * change.
   */
  void frame(FrameConnection c, int kind, int channel, byte[] frame);

  /** The connection ended (or could not be made) with {@code cause}. */
  void closed(FrameConnection c, CallosumException cause);
}
