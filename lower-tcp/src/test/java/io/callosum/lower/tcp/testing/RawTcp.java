package io.callosum.lower.tcp.testing;

import io.callosum.testing.Await;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A hand-driven client of the TCP lower's wire format (WIRE.md), written from the spec rather than
 * from the implementation: sends whatever bytes a test crafts over a plain {@link Socket} and reads
 * what the endpoint answers. Every read is bounded by {@link Await#LIMIT}.
 */
public final class RawTcp implements AutoCloseable {
  public static final int OPEN = 0x01;
  public static final int OPENED = 0x02;
  public static final int CLOSE = 0x03;
  public static final int DATA = 0x04;
  public static final int PING = 0x05;
  public static final int PONG = 0x06;
  public static final int ABORT = 0x07;

  public final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private RawTcp(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout((int) Await.LIMIT.toMillis());
    socket.setTcpNoDelay(true);
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  public static RawTcp connect(String address) throws IOException {
    URI u = URI.create(address);
    Socket s = new Socket();
    s.connect(new InetSocketAddress(u.getHost(), u.getPort()), (int) Await.LIMIT.toMillis());
    return new RawTcp(s);
  }

  /**
   * A connection from the local address {@code source}, e.g. {@code 127.0.0.2}: Linux answers for
   * all of 127/8 on loopback, so tests can play several sources on one machine.
   */
  public static RawTcp connectFrom(String source, String address) throws IOException {
    URI u = URI.create(address);
    Socket s = new Socket();
    try {
      s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
      s.connect(new InetSocketAddress(u.getHost(), u.getPort()), (int) Await.LIMIT.toMillis());
    } catch (IOException e) {
      s.close();
      throw e;
    }
    return new RawTcp(s);
  }

  /** A connection with a small receive buffer, for tests that stop reading. */
  public static RawTcp connectSmallBuffer(String address) throws IOException {
    URI u = URI.create(address);
    Socket s = new Socket();
    s.setReceiveBufferSize(4096);
    s.connect(new InetSocketAddress(u.getHost(), u.getPort()), (int) Await.LIMIT.toMillis());
    return new RawTcp(s);
  }

  public static byte[] preamble(int version, String mechanism) {
    byte[] p = new byte[16];
    p[0] = 'C';
    p[1] = 'L';
    p[2] = 'S';
    p[3] = 'M';
    p[4] = (byte) version;
    byte[] m = mechanism.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(m, 0, p, 6, m.length);
    return p;
  }

  public RawTcp send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** Sends a valid NULL preamble and reads the endpoint's. */
  public RawTcp handshake() throws IOException {
    send(preamble(2, "NULL"));
    byte[] theirs = readPreamble();
    if (!Arrays.equals(Arrays.copyOf(theirs, 5), Arrays.copyOf(preamble(2, "NULL"), 5))) {
      throw new AssertionError("unexpected preamble " + Arrays.toString(theirs));
    }
    return this;
  }

  public byte[] readPreamble() throws IOException {
    byte[] p = new byte[16];
    in.readFully(p);
    return p;
  }

  public RawTcp sendFrame(byte[] content) throws IOException {
    return send(
        ByteBuffer.allocate(4 + content.length).putInt(content.length).put(content).array());
  }

  public static byte[] channelFrame(int kind, int channel, byte[] rest) {
    return ByteBuffer.allocate(5 + rest.length).put((byte) kind).putInt(channel).put(rest).array();
  }

  public static byte[] data(int channel, byte[] header, byte[] body) {
    return ByteBuffer.allocate(9 + header.length + body.length)
        .put((byte) DATA)
        .putInt(channel)
        .putInt(header.length)
        .put(header)
        .put(body)
        .array();
  }

  /** The next frame, or null at the end of the stream (or a reset). */
  public byte[] readFrame() throws IOException {
    int len;
    try {
      len = in.readInt();
    } catch (EOFException | SocketException e) {
      return null;
    }
    byte[] f = new byte[len];
    in.readFully(f);
    return f;
  }

  /**
   * Reads frames until an ABORT; returns its reason, after checking that the connection then ends.
   */
  public String abortReason() throws IOException {
    byte[] f;
    while ((f = readFrame()) != null) {
      if ((f[0] & 0xff) == ABORT) {
        String reason = new String(f, 2, f.length - 2, StandardCharsets.UTF_8);
        if (readFrame() != null) {
          throw new AssertionError("a frame after ABORT");
        }
        return reason;
      }
    }
    throw new AssertionError("the connection ended without ABORT");
  }

  /**
   * True once the endpoint has closed the connection (end of stream or reset), reading and dropping
   * anything before.
   */
  public boolean endsWithin() {
    try {
      byte[] sink = new byte[4096];
      while (true) {
        if (in.read(sink) < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
