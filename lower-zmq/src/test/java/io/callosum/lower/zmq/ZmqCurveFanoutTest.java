package io.callosum.lower.zmq;

import io.callosum.lower.Transport;
import io.callosum.testing.FanoutSuite;

/**
 * Broadcast and pipelines over ZeroMQ with CURVE (the bound side is the CURVE server). They run
 * over the transport's CURVE links with credit, not over PUB/SUB and PUSH/PULL sockets (see {@code
 * ZmqTransport.encrypted}): over CURVE sockets, jeromq 0.6.0 loses the items that reach a full
 * receive pipe, and this suite's pipeline tests fail.
 */
class ZmqCurveFanoutTest extends FanoutSuite {
  private static final ZmqTransport TRANSPORT = CurveTransports.serverAndClient("fanout");

  @Override
  protected Transport transport() {
    return TRANSPORT;
  }

  @Override
  protected String bindAddress() {
    return "zmq+tcp://127.0.0.1:0";
  }

  @Override
  protected int slowSubscriberItemSize() {
    return 4 << 10; // credits, not socket buffers, bound what is in flight: small items show it
  }
}
