package io.callosum.lower.zmq.internal;

import io.callosum.lower.TransportConfig;
import io.callosum.lower.zmq.ZmqOptions;
import org.zeromq.ZMQ;

/** Socket options shared by both ends. */
final class Sockets {
  /**
   * Frames larger than this are refused by ZeroMQ itself; the core answers smaller oversize ones.
   */
  static long maxFrame(TransportConfig config) {
    return 2L * config.maxMessageSize() + (64 << 10);
  }

  private Sockets() {}

  static void configure(ZMQ.Socket s, ZmqOptions options, TransportConfig config) {
    s.setLinger((int) options.linger().toMillis());
    s.setHeartbeatIvl((int) options.heartbeatInterval().toMillis());
    s.setHeartbeatTimeout((int) options.heartbeatTimeout().toMillis());
    s.setHeartbeatTtl((int) options.heartbeatTimeout().toMillis());
    s.setMaxMsgSize(maxFrame(config));
    s.setSndHWM(options.highWaterMark());
    s.setRcvHWM(options.highWaterMark());
    s.setMsgAllocator(GuardedAllocator.INSTANCE);
  }

  /**
   * Processes the commands waiting in the socket's mailbox (jeromq's {@code ZMQ_EVENTS}), which
   * consumes the signal on its notification channel, and returns its events ({@code POLLIN}, {@code
   * POLLOUT}). A socket that is served without reading must do this, or its channel stays readable
   * and the loop's select returns at once, again and again.
   */
  static int processCommands(ZMQ.Socket s) {
    return s.base().getSocketOpt(zmq.ZMQ.ZMQ_EVENTS);
  }

  /**
   * Whether messages wait to be read. jeromq processes a socket's commands in every send and
   * receive, and with them consumes the signal on its notification channel: a message that arrived
   * while a send ran gives the loop no signal any more, so after sending without reading to the end
   * again, a socket asks this before the loop may sleep on its channel.
   */
  static boolean hasIn(ZMQ.Socket s) {
    return (processCommands(s) & ZMQ.Poller.POLLIN) != 0;
  }
}
