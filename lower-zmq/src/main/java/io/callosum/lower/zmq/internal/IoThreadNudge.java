package io.callosum.lower.zmq.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;
import zmq.ZError;

/**
 * Makes jeromq's I/O thread register its connections with its selector again. jeromq 0.6.0's poller
 * applies its table of channels to its selector only in a round that follows a change of that
 * table, and a round in which a connecting socket's connector hands its channel to the new stream
 * engine leaves the engine unregistered (docs/PERFORMANCE.md, ZeroMQ): the connection is deaf until
 * some later change of the table, which on a quiet I/O thread may never come. A nudge is such a
 * change: a throw-away socket binds a listener on a loopback port of its own (the I/O thread adds
 * the listener's channel to its table) and closes at once (the I/O thread removes it).
 *
 * <p>Any thread may nudge; the socket is created, used and closed by the calling thread. The
 * context has one I/O thread ({@link SharedContext} creates it so), so the listener lands on the
 * I/O thread that serves every connection.
 */
final class IoThreadNudge {
  private static final Logger LOG = LoggerFactory.getLogger(IoThreadNudge.class);

  private IoThreadNudge() {}

  /** Nudges the I/O thread of {@code context}; false if no socket could be had for it. */
  static boolean nudge(ZMQ.Context context) {
    ZMQ.Socket s;
    try {
      s = context.socket(SocketType.PULL);
    } catch (ZMQException | ZError.IOException e) {
      LOG.debug("no socket to nudge the ZeroMQ I/O thread with", e);
      return false;
    }
    try {
      s.setLinger(0);
      s.bind("tcp://127.0.0.1:*");
      return true;
    } catch (ZMQException e) {
      LOG.debug("nudging the ZeroMQ I/O thread failed", e);
      return false;
    } finally {
      s.close();
    }
  }
}
