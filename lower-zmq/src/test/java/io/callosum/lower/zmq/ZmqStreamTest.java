package io.callosum.lower.zmq;

import io.callosum.lower.Transport;
import io.callosum.testing.StreamSuite;

/** Streams between two Java peers over ZeroMQ. */
class ZmqStreamTest extends StreamSuite {
  private final ZmqTransport transport = new ZmqTransport();

  @Override
  protected Transport transport() {
    return transport;
  }

  @Override
  protected String bindAddress() {
    return "zmq+tcp://127.0.0.1:0";
  }
}
