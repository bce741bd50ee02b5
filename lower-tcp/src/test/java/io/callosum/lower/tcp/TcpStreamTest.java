package io.callosum.lower.tcp;

import io.callosum.lower.Transport;
import io.callosum.testing.StreamSuite;

/** Streams, chunked messages and named pipes over the TCP lower. */
class TcpStreamTest extends StreamSuite {
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
