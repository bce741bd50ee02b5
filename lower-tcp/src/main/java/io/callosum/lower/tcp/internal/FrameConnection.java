package io.callosum.lower.tcp.internal;

import io.callosum.CallosumException;

/**
 * A connection of a {@link RelayLoop}, as the relay that owns it ({@link FrameSink}) sees it: it
 * sends frames on it, queries its outbound {@link Backlog}, and ends it. {@link #send} from any
 * thread; the rest on the loop thread.
 */
public interface FrameConnection {
  /** A name of the remote for logs and reasons. */
  String remote();

  /**
   * The user id the server's authenticator gave the remote (a CURVE server, once established), else
   * null.
   */
  String userId();

  /** Bytes read from the socket so far. */
  long bytesIn();

  /** Bytes handed to the socket so far. */
  long bytesOut();

  /** What is queued towards the remote and not written yet. */
  Backlog backlog();

  /**
   * Queues one frame (sealed unless the connection is plain); nothing happens once it has ended.
   * Any thread.
   */
  void send(byte[] frame);

  /**
   * As {@link #send(byte[])}; {@code written} runs on the loop thread once the frame is handed to
   * the socket (never, if the connection ends first).
   */
  void send(byte[] frame, Runnable written);

  /**
   * Tells the remote why (ABORT with {@code code}, best effort) and ends the connection. Loop
   * thread.
   */
  void abort(int code, String reason);

  /**
   * Tells the remote this side is shutting down (best effort) and ends the connection with {@code
   * cause}. Loop thread.
   */
  void shutdown(String reason, CallosumException cause);
}
