package io.callosum.lower.zmq;

import io.callosum.lower.Transport;
import io.callosum.testing.LeakSuite;

/**
 * The leak cycles over ZeroMQ, on one transport: the users of its context ({@link
 * ZmqTransport#openEndpoints}) must go back to what the peers living through the cycles hold.
 */
class ZmqLeakTest extends LeakSuite {
  private final ZmqTransport transport = new ZmqTransport();

  @Override
  protected Transport transport() {
    return transport;
  }

  @Override
  protected String bindAddress() {
    return "zmq+tcp://127.0.0.1:0";
  }

  @Override
  protected int lowerEntries() {
    return transport.openEndpoints();
  }
}
