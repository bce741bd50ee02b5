package io.callosum.lower.zmq.internal;

import io.callosum.lower.TransportConfig;
import io.callosum.lower.zmq.ZmqOptions;
import org.zeromq.ZMQ;

/** Socket options shared by both ends. */
final class Sockets {
  /** Frames larger than this are refused by ZeroMQ itself; the core answers smaller oversize ones. */
  static long maxFrame(TransportConfig config) {
    return 2L * config.maxMessageSize() + (64 << 10);
  }

  private Sockets() {}

  static void configure(ZMQ.Socket s, ZmqOptions options, TransportConfig config) {
    s.setLinger(options.linger().toMillis());
    s.setHeartbeatIvl((int) options.heartbeatInterval().toMillis());
    s.setHeartbeatTimeout((int) options.heartbeatTimeout().toMillis());
    s.setHeartbeatTtl((int) options.heartbeatTimeout().toMillis());
    s.setMaxMsgSize(maxFrame(config));
    s.setSndHWM(options.highWaterMark());
    s.setRcvHWM(options.highWaterMark());
    s.setMsgAllocator(GuardedAllocator.INSTANCE);
  }

  /** Starts monitoring {@code s}; returns the PAIR socket that receives its events. */
  static ZMQ.Socket monitor(ZMQ.Context context, ZMQ.Socket s, int events) {
    String address = Loop.monitorAddress();
    s.monitor(address, events);
    ZMQ.Socket m = context.socket(org.zeromq.SocketType.PAIR);
    m.setLinger(0);
    m.connect(address);
    return m;
  }

  /** Stops monitoring and closes both sockets. */
  static void close(ZMQ.Socket s, ZMQ.Socket monitor) {
    if (s != null) {
      s.monitor(null, 0);
      s.close();
    }
    if (monitor != null) {
      monitor.close();
    }
  }
}
