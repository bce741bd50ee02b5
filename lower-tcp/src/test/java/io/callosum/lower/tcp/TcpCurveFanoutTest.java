package io.callosum.lower.tcp;

import io.callosum.lower.Transport;
import io.callosum.testing.FanoutSuite;

/**
 * Broadcast and pipelines over TCP encrypted with CurveZMQ (the bound side is the CURVE server).
 */
class TcpCurveFanoutTest extends FanoutSuite {
  private static final TcpTransport TRANSPORT = CurveTransports.serverAndClient("fanout");

  @Override
  protected Transport transport() {
    return TRANSPORT;
  }

  @Override
  protected String bindAddress() {
    return "tcp://127.0.0.1:0";
  }

  @Override
  protected int slowSubscriberItemSize() {
    return 4 << 10; // credits, not socket buffers, bound what is in flight: small items show it
  }
}
