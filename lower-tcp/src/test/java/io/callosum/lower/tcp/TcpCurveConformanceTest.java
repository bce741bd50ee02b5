package io.callosum.lower.tcp;

import io.callosum.lower.Transport;
import io.callosum.testing.ConformanceSuite;

/** The conformance suite over TCP encrypted with CurveZMQ: every message in MESSAGE boxes. */
class TcpCurveConformanceTest extends ConformanceSuite {
  private static final TcpTransport TRANSPORT = CurveTransports.serverAndClient("conformance");

  @Override
  protected Transport transport() {
    return TRANSPORT;
  }

  @Override
  protected String bindAddress() {
    return "tcp://127.0.0.1:0";
  }

  @Override
  protected int openCloseCycles() {
    return 300; // each cycle runs a CurveZMQ handshake
  }
}
