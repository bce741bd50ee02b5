package io.callosum.lower.tcp.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The security layer of one TCP connection: a handshake of whole frames, then sealing and opening
 * of every later frame. One thread at a time calls it (not necessarily the I/O thread), except
 * {@link #screen} (the I/O thread, while a handshake step may run elsewhere) and a {@link
 * Decision}'s {@link Decision#ask ask} (an authenticator thread, without the connection's lock).
 */
public interface ConnectionSecurity {
  /** The mechanism name carried in the preamble: "NULL" or "CURVE". */
  String mechanism();

  /** Handshake frames to send at once (a client's HELLO); may be empty. */
  List<byte[]> start();

  /**
   * One handshake frame from the remote; returns the frames to send in reply (maybe empty). Throws
   * to refuse the connection. A server makes its admission decision here too.
   */
  List<byte[]> receive(byte[] frame) throws SecurityFailure;

  /**
   * Server side: cheap checks of one handshake frame as it arrives, before it waits for a handshake
   * thread: its command, size and version, and that the mechanism expects another frame at all. No
   * cryptography, and nothing that {@link #handshakeStep} touches, so it may run while a step runs
   * on another thread. Throws (PROTOCOL) to refuse the connection.
   */
  default void screen(byte[] frame) throws SecurityFailure {}

  /**
   * Server side: {@link #receive} without the admission decision. When the frame leaves one to make
   * (CURVE's INITIATE: the user's authenticator decides on the client's key), the step carries it,
   * and the handshake waits until the transport has made it, on another thread than the
   * cryptography's.
   */
  default Step handshakeStep(byte[] frame) throws SecurityFailure {
    return new Step(receive(frame), null);
  }

  /**
   * What a handshake step gives: the frames to send, and maybe a decision to make first (then the
   * frames are sent together with the decision's).
   */
  record Step(List<byte[]> replies, Decision decision) {
    /**
     * The frames to send, with the decision (if any) made on this thread: what {@link #receive}
     * returns.
     */
    public List<byte[]> complete() throws SecurityFailure {
      if (decision == null) {
        return replies;
      }
      decision.ask();
      List<byte[]> all = new ArrayList<>(replies);
      all.addAll(decision.finish());
      return all;
    }
  }

  /** An admission decision a server's handshake waits for. */
  interface Decision {
    /**
     * Asks the user's authenticator; may block. Touches no secret, so the transport calls it
     * without the connection's lock. Never throws: a failing authenticator counts as a refusal.
     */
    void ask();

    /**
     * Once asked: the frames that complete the step (CURVE's READY), or the refusal (with a reply
     * that tells the client). Called under the connection's lock.
     */
    List<byte[]> finish() throws SecurityFailure;
  }

  /** True once the handshake is complete on this side (data frames may flow). */
  boolean established();

  /** Server side, once established: the user id the authenticator returned; null otherwise. */
  String userId();

  /**
   * Client side, when the server closed the connection during the handshake without a word: what
   * that tells (for CURVE: a closed connection in answer to HELLO means the server does not hold
   * the secret key this client expects), or null if it tells nothing. The transport then reports an
   * authentication failure with this reason.
   */
  default String closedInHandshake() {
    return null;
  }

  /** After establishment: the frame to send for one plaintext frame (a CurveZMQ MESSAGE). */
  byte[] seal(byte[] plaintext);

  /**
   * After establishment: what {@link #seal} gives for the DATA frame of {@code channel} with {@code
   * header} and a body of {@code bodyHead} then {@code body} ({@link Wire#dataFrame(int, byte[],
   * byte[], byte[])}); a layer that can build it without the frame as an array of its own (a copy
   * of the payload) does.
   */
  default byte[] sealData(int channel, byte[] header, byte[] bodyHead, byte[] body) {
    return seal(Wire.dataFrame(channel, header, bodyHead, body));
  }

  /**
   * After establishment: the plaintext of one received frame; throws on a forged, replayed or
   * reordered frame.
   */
  byte[] open(byte[] frame) throws SecurityFailure;

  /**
   * After establishment: as {@link #open(byte[])}, but a DATA frame that {@code into} gives arrays
   * for is opened straight into them and null returned; any other frame is returned whole. A layer
   * that cannot open a frame in parts (the default) returns every frame whole.
   */
  default byte[] open(byte[] frame, DataTarget into) throws SecurityFailure {
    return open(frame);
  }

  /** Where a received DATA frame's header and body go when they are opened straight into arrays. */
  interface DataTarget {
    /**
     * Arrays of exactly {@code headerLength} and {@code bodyLength} bytes (in that order) for the
     * header and body of a DATA frame to channel {@code channel}, or null to have the frame whole
     * (a channel not open, a header length the frame cannot hold). Called on the opening thread,
     * once the frame is known to be authentic; the returned array of arrays is read at once, so it
     * may be reused.
     */
    byte[][] into(int channel, int headerLength, int bodyLength);
  }

  /**
   * Overwrites every secret this layer holds (short-term keys, cookie key, session keys): the
   * connection has ended. It refuses everything afterwards. Called once, under the connection's
   * lock.
   */
  default void destroy() {}
}
