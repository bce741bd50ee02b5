package io.callosum.lower.tcp.internal;

/**
 * The security layer of one TCP connection: a handshake of whole frames, then sealing and opening
 * of every later frame. One thread at a time calls it (not necessarily the I/O thread).
 */
public interface ConnectionSecurity {
  /** The mechanism name carried in the preamble: "NULL" or "CURVE". */
  String mechanism();

  /** Handshake frames to send at once (a client's HELLO); may be empty. */
  java.util.List<byte[]> start();

  /**
   * One handshake frame from the remote; returns the frames to send in reply (maybe empty). Throws
   * to refuse the connection.
   */
  java.util.List<byte[]> receive(byte[] frame) throws SecurityFailure;

  /** True once the handshake is complete on this side (data frames may flow). */
  boolean established();

  /** Server side, once established: the user id the authenticator returned; null otherwise. */
  String userId();

  /** After establishment: the frame to send for one plaintext frame (a CurveZMQ MESSAGE). */
  byte[] seal(byte[] plaintext);

  /**
   * After establishment: the plaintext of one received frame; throws on a forged, replayed or
   * reordered frame.
   */
  byte[] open(byte[] frame) throws SecurityFailure;
}
