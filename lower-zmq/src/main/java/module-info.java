import io.callosum.lower.Transport;
import io.callosum.lower.zmq.ZmqTransport;

/** The ZeroMQ lower: ROUTER/DEALER over jeromq, wire-compatible with Python Callosum. */
module io.callosum.lower.zmq {
  requires transitive io.callosum.core;
  requires transitive io.callosum.auth;
  requires org.zeromq.jeromq;
  requires com.sun.jna;
  requires org.slf4j;

  exports io.callosum.lower.zmq;

  provides Transport with
      ZmqTransport;
}
