package io.callosum.examples;

import io.callosum.ConnectionLostException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Reports early what a {@code zmq+tcp://} server will not accept. The ZeroMQ lower keeps retrying a
 * refused connect in the background until its connect timeout, as ZeroMQ sockets do (a server may
 * come up later), and jeromq reports a security mechanism that differs from the server's only as a
 * dropped handshake, also retried until that timeout; a command run by hand should say at once that
 * nothing listens there, or that the server requires CURVE (or does not use it).
 *
 * <p>One plain TCP connect tells the first. For the second, the probe sends the start of a ZMTP 3.0
 * greeting (signature and major version, ZMTP RFC 23) and reads the server's greeting, which names
 * its security mechanism ({@code NULL} or {@code CURVE}); then it closes the connection, before any
 * handshake command, so the server sees a client that left.
 */
final class ZmqProbe {
  private static final int PROBE_MILLIS = 2_000;

  /** ZMTP 3.0: signature (0xFF, 8 bytes of length, 0x7F), then the major version. */
  private static final byte[] GREETING_START = {(byte) 0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3};

  private static final int GREETING_SIZE = 64;
  private static final int MECHANISM_AT = 12;
  private static final int MECHANISM_SIZE = 20;

  private ZmqProbe() {}

  /**
   * Throws {@link ConnectionLostException} when {@code address} is a {@code zmq+tcp://} address
   * whose port refuses connections; does nothing for other addresses, or when the probe cannot tell
   * (a timeout, an unknown host: the lower reports those itself).
   */
  static void refuseEarly(String address) {
    mechanism(address);
  }

  /**
   * As {@link #refuseEarly(String)}, and throws a usage error for the command {@code spec} when the
   * server's security mechanism is not the one the command's options ask for: CURVE when {@code
   * curve}, else none.
   */
  static void refuseEarly(CommandSpec spec, String address, boolean curve) {
    Optional<String> mechanism = mechanism(address);
    if (mechanism.isEmpty()) {
      return;
    }
    boolean serverCurve = "CURVE".equals(mechanism.get());
    if (serverCurve && !curve) {
      throw new ParameterException(
          spec.commandLine(),
          "the server at "
              + address
              + " requires CURVE: connect with --curve-client-secret FILE and"
              + " --curve-server-public KEY");
    }
    if (!serverCurve && curve) {
      throw new ParameterException(
          spec.commandLine(),
          "the server at "
              + address
              + " does not use CURVE (its security mechanism is "
              + mechanism.get()
              + "): connect without --curve-client-secret and --curve-server-public");
    }
  }

  /**
   * The security mechanism of the ZeroMQ server at {@code address}; empty for other addresses, or
   * when the probe cannot tell. Throws {@link ConnectionLostException} when the port refuses
   * connections.
   */
  private static Optional<String> mechanism(String address) {
    URI uri = URI.create(address);
    if (!"zmq+tcp".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
      return Optional.empty();
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), PROBE_MILLIS);
      s.setSoTimeout(PROBE_MILLIS);
      OutputStream out = s.getOutputStream();
      out.write(GREETING_START);
      out.flush();
      return mechanismOf(s.getInputStream());
    } catch (ConnectException e) {
      throw new ConnectionLostException("cannot reach " + address + ": " + e.getMessage());
    } catch (IOException | IllegalArgumentException e) {
      // not known early: the connect itself will time out or fail with the lower's reason
      return Optional.empty();
    }
  }

  /** The mechanism named by the ZMTP 3.x greeting that {@code in} starts with, if it is one. */
  static Optional<String> mechanismOf(InputStream in) throws IOException {
    byte[] greeting = in.readNBytes(GREETING_SIZE);
    if (greeting.length < GREETING_SIZE
        || (greeting[0] & 0xFF) != 0xFF
        || greeting[9] != 0x7F
        || greeting[10] < 3) {
      return Optional.empty(); // not ZMTP 3, or the server stopped talking
    }
    int end = MECHANISM_AT;
    while (end < MECHANISM_AT + MECHANISM_SIZE && greeting[end] != 0) {
      end++;
    }
    return Optional.of(
        new String(greeting, MECHANISM_AT, end - MECHANISM_AT, StandardCharsets.US_ASCII));
  }
}
