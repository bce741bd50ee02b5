package io.callosum.lower.tcp.testing;

import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import io.callosum.lower.tcp.internal.ConnectionSecurity;
import io.callosum.lower.tcp.internal.SecurityFailure;
import io.callosum.lower.tcp.internal.curve.CurveSecurity;
import java.io.IOException;
import java.util.Arrays;

/**
 * A hand-driven gateway link for tests: a raw socket that completes the CurveZMQ handshake as a
 * dialling gateway, then sends whatever frames a test crafts (sealed) and reads the answers.
 */
public final class RawCurveLink implements AutoCloseable {
  private static final int HANDSHAKE = 0x10;
  private final RawTcp raw;
  private final ConnectionSecurity security;

  private RawCurveLink(RawTcp raw, ConnectionSecurity security) {
    this.raw = raw;
    this.security = security;
  }

  /**
   * Dials {@code address} as a gateway with {@code client}'s keys; a refused handshake is an {@link
   * IOException}.
   */
  public static RawCurveLink connect(String address, CurvePublicKey server, CurveKeyPair client)
      throws IOException {
    RawTcp raw = RawTcp.connect(address);
    ConnectionSecurity s = CurveSecurity.client(ClientAuthenticator.of(server, client));
    raw.send(RawTcp.preamble(2, "CURVE"));
    for (byte[] f : s.start()) {
      raw.sendFrame(withKind(HANDSHAKE, f));
    }
    raw.readPreamble();
    while (!s.established()) {
      byte[] r = raw.readFrame();
      if (r == null || r[0] != HANDSHAKE) {
        throw new IOException(
            "handshake refused: " + (r == null ? "closed" : new String(r, 2, r.length - 2)));
      }
      for (byte[] reply : opened(() -> s.receive(Arrays.copyOfRange(r, 1, r.length)))) {
        raw.sendFrame(withKind(HANDSHAKE, reply));
      }
    }
    return new RawCurveLink(raw, s);
  }

  /** A step of the security layer. */
  private interface Step<T> {
    T run() throws SecurityFailure;
  }

  private static <T> T opened(Step<T> step) throws IOException {
    try {
      return step.run();
    } catch (SecurityFailure e) {
      throw new IOException("refused by the security layer: " + e.getMessage(), e);
    }
  }

  private static byte[] withKind(int kind, byte[] f) {
    byte[] b = new byte[1 + f.length];
    b[0] = (byte) kind;
    System.arraycopy(f, 0, b, 1, f.length);
    return b;
  }

  public void send(byte[] frame) throws IOException {
    raw.sendFrame(security.seal(frame));
  }

  /**
   * The next frame that is not a heartbeat (PINGs are answered), or null at the end of the stream;
   * a record that does not open is an {@link IOException}.
   */
  public byte[] read() throws IOException {
    while (true) {
      byte[] r = raw.readFrame();
      if (r == null) {
        return null;
      }
      byte[] f = opened(() -> security.open(r));
      if (f[0] == RawTcp.PING) {
        send(new byte[] {RawTcp.PONG});
      } else if (f[0] != RawTcp.PONG) {
        return f;
      }
    }
  }

  @Override
  public void close() {
    raw.close();
  }
}
