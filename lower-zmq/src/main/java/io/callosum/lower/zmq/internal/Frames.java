package io.callosum.lower.zmq.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.zeromq.ZMQ;
import zmq.Msg;
import zmq.io.Metadata;

/** The kind frames of Python Callosum's ZeroMQ transport, and multipart receiving. */
final class Frames {
  static final byte[] UPPER = ascii("UPPER");
  static final byte[] PING = ascii("PING");
  static final byte[] PONG = ascii("PONG");

  /**
   * Sent by this project's connectors on close, to Java peers only (Python ignores unknown kinds
   * anyway).
   */
  static final byte[] BYE = ascii("BYE");

  static final byte[] EMPTY = new byte[0];

  /** More frames than any message of ours has: the rest is drained and the message dropped. */
  static final int MAX_FRAMES = 8;

  private Frames() {}

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static boolean is(byte[] frame, byte[] kind) {
    return Arrays.equals(frame, kind);
  }

  /**
   * Receives one whole multipart message without blocking, or null if none is waiting. A message of
   * more than {@link #MAX_FRAMES} frames is drained and returned as an empty list.
   */
  static List<byte[]> receive(ZMQ.Socket socket) {
    Received r = receiveWithUser(socket);
    return r == null ? null : r.frames();
  }

  /**
   * A message and its connection's {@code User-Id} metadata property, or null. Not to be trusted as
   * it is: jeromq 0.6.0 lets a client's own handshake properties override the ZAP reply's (see
   * {@link UserTokens}).
   */
  record Received(List<byte[]> frames, String userId) {}

  /**
   * As {@link #receive}, also reading the connection's {@code User-Id} property from the message
   * metadata.
   */
  static Received receiveWithUser(ZMQ.Socket socket) {
    Msg first = socket.base().recv(ZMQ.DONTWAIT);
    if (first == null) {
      return null;
    }
    Metadata metadata = first.getMetadata();
    String user = metadata == null ? null : metadata.get(Metadata.USER_ID);
    List<byte[]> frames = new ArrayList<>(4);
    frames.add(first.data());
    boolean more = first.hasMore();
    boolean tooMany = false;
    while (more) {
      Msg next = socket.base().recv(0);
      if (next == null) {
        break;
      }
      more = next.hasMore();
      if (user == null && next.getMetadata() != null) {
        user = next.getMetadata().get(Metadata.USER_ID);
      }
      if (frames.size() < MAX_FRAMES) {
        frames.add(next.data());
      } else {
        tooMany = true;
      }
    }
    return new Received(tooMany ? List.of() : frames, user);
  }

  /**
   * Sends frames as one message without blocking; false if it would block (HWM) or is unroutable.
   */
  static boolean send(ZMQ.Socket socket, byte[]... frames) {
    for (int i = 0; i < frames.length; i++) {
      int flags = ZMQ.DONTWAIT | (i < frames.length - 1 ? ZMQ.SNDMORE : 0);
      // The socket's base: org.zeromq's send throws on EHOSTUNREACH, which is an answer here.
      if (!socket.base().send(new Msg(frames[i]), flags)) {
        return false;
      }
    }
    return true;
  }
}
