package io.callosum.lower.zmq.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zmq.Msg;
import zmq.ZMQ;
import zmq.msg.MsgAllocator;

/**
 * Works around jeromq 0.6.0's pre-authentication crash: its ZMTP decoder reads a frame's 8-byte
 * length as a signed long, so a length with the top bit set (e.g. {@code FF..FF}) passes its size
 * checks and reaches the allocator as a negative size. The resulting NegativeArraySizeException
 * leaves the context's I/O thread spinning in the decoder and every socket of the context deaf.
 * Here a negative size yields an empty frame instead: the bogus frame then fails the ZMTP handshake
 * (or the message), and ZeroMQ drops that one connection normally.
 */
final class GuardedAllocator implements MsgAllocator {
  private static final Logger LOG = LoggerFactory.getLogger(GuardedAllocator.class);
  static final GuardedAllocator INSTANCE = new GuardedAllocator();

  private final MsgAllocator delegate = ZMQ.DEFAULT_MSG_ALLOCATOR;

  private GuardedAllocator() {}

  @Override
  public Msg allocate(int size) {
    if (size < 0) {
      LOG.warn("refused a ZeroMQ frame announcing a negative length (a malformed or hostile peer)");
      return new Msg(0);
    }
    return delegate.allocate(size);
  }
}
