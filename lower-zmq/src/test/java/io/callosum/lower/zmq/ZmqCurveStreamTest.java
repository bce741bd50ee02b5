package io.callosum.lower.zmq;

import io.callosum.lower.Transport;
import io.callosum.testing.StreamSuite;

/** Streams, chunked messages and named pipes between two Java peers over ZeroMQ with CURVE. */
class ZmqCurveStreamTest extends StreamSuite {
  private static final ZmqTransport TRANSPORT = CurveTransports.serverAndClient("streams");

  @Override
  protected Transport transport() {
    return TRANSPORT;
  }

  @Override
  protected String bindAddress() {
    return "zmq+tcp://127.0.0.1:0";
  }

  @Override
  protected int bigMessageBytes() {
    return 20 << 20;
  }

  @Override
  protected int largeStreamItems() {
    return 256;
  }
}
