package io.callosum.benchmarks;

import java.net.InetSocketAddress;

/** Socket addresses as serving sides report them: {@code host:port}. */
final class Sockets {
  private Sockets() {}

  /** {@code 127.0.0.1:5020} as a socket address (the host is a literal: no lookup). */
  static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("expected host:port, not " + hostPort);
    }
    return new InetSocketAddress(
        hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  /** {@code host:port} of a socket address. */
  static String hostPort(InetSocketAddress address) {
    return address.getAddress().getHostAddress() + ":" + address.getPort();
  }
}
