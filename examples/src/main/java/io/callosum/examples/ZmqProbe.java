package io.callosum.examples;

import io.callosum.ConnectionLostException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;

/**
 * Reports early that a {@code zmq+tcp://} address refuses connections. The ZeroMQ lower keeps
 * retrying a refused connect in the background until its connect timeout, as ZeroMQ sockets do (a
 * server may come up later); a command run by hand should say at once that nothing listens there.
 * One plain TCP connect, closed at once, tells: ZeroMQ servers accept it and drop it without a ZMTP
 * greeting.
 */
final class ZmqProbe {
  private static final int PROBE_MILLIS = 2_000;

  private ZmqProbe() {}

  /**
   * Throws {@link ConnectionLostException} when {@code address} is a {@code zmq+tcp://} address
   * whose port refuses connections; does nothing for other addresses, or when the probe cannot tell
   * (a timeout, an unknown host: the lower reports those itself).
   */
  static void refuseEarly(String address) {
    URI uri = URI.create(address);
    if (!"zmq+tcp".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
      return;
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), PROBE_MILLIS);
    } catch (ConnectException e) {
      throw new ConnectionLostException("cannot reach " + address + ": " + e.getMessage());
    } catch (IOException | IllegalArgumentException e) {
      // not known early: the connect itself will time out or fail with the lower's reason
    }
  }
}
