package io.callosum.lower.tcp;

import io.callosum.lower.Transport;
import io.callosum.testing.ConformanceSuite;

/**
 * The conformance suite over the TCP lower (plain, loopback, ephemeral ports, one shared
 * transport).
 */
class TcpConformanceTest extends ConformanceSuite {
  private static final TcpTransport TRANSPORT = new TcpTransport();

  @Override
  protected Transport transport() {
    return TRANSPORT;
  }

  @Override
  protected String bindAddress() {
    return "tcp://127.0.0.1:0";
  }
}
