package io.callosum.lower.zmq;

import io.callosum.lower.Transport;
import io.callosum.testing.ConformanceSuite;

/** The conformance suite over ZeroMQ with CURVE: every peer authenticates through ZAP. */
class ZmqCurveConformanceTest extends ConformanceSuite {
  @Override
  protected boolean tellsOrderlyClose() {
    return false; // a DEALER that closes and one that dies look the same to the ROUTER
  }

  private static final ZmqTransport TRANSPORT = CurveTransports.serverAndClient("conformance");

  @Override
  protected Transport transport() {
    return TRANSPORT;
  }

  @Override
  protected String bindAddress() {
    return "zmq+tcp://127.0.0.1:0";
  }

  @Override
  protected int openCloseCycles() {
    return 300; // each cycle runs a CURVE handshake
  }
}
