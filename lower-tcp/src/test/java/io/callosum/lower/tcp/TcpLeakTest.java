package io.callosum.lower.tcp;

import io.callosum.lower.Transport;
import io.callosum.testing.LeakSuite;

/**
 * The leak cycles over plain TCP, on one transport: its endpoints and client connections ({@link
 * TcpTransport#openEndpoints}, {@link TcpTransport#openConnections}) must go back to what the peers
 * living through the cycles hold.
 */
class TcpLeakTest extends LeakSuite {
  private final TcpTransport transport = new TcpTransport();

  @Override
  protected Transport transport() {
    return transport;
  }

  @Override
  protected String bindAddress() {
    return "tcp://127.0.0.1:0";
  }

  @Override
  protected int lowerEntries() {
    return transport.openEndpoints() + transport.openConnections();
  }
}
