package io.callosum.lower.tcp;

import io.callosum.lower.Transport;
import io.callosum.testing.FanoutSuite;

/**
 * Broadcast and pipelines over the TCP lower: credit-based, with the same queue policy as every
 * lower.
 */
class TcpFanoutTest extends FanoutSuite {
  private final TcpTransport transport = new TcpTransport();

  @Override
  protected Transport transport() {
    return transport;
  }

  @Override
  protected String bindAddress() {
    return "tcp://127.0.0.1:0";
  }
}
