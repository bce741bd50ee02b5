package io.callosum.benchmarks;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.HdrHistogram.Histogram;

/**
 * The latency floor: a blocking {@link Socket} that writes one length-prefixed frame and reads the
 * echo before sending the next. Only meaningful one call at a time, so it is a P2 comparator only.
 */
final class RawSocketPingPong implements Contender {
  private final LengthPrefixedEchoServer server;
  private final Socket socket;
  private final DataOutputStream out;
  private final DataInputStream in;
  private final byte[] reply = new byte[Bench.BODY.length];

  RawSocketPingPong() throws IOException {
    server = new LengthPrefixedEchoServer();
    Socket opened = new Socket();
    try {
      opened.setTcpNoDelay(true);
      InetSocketAddress address = server.address();
      opened.connect(address);
      out = new DataOutputStream(new BufferedOutputStream(opened.getOutputStream()));
      in = new DataInputStream(new BufferedInputStream(opened.getInputStream()));
    } catch (IOException | RuntimeException e) {
      opened.close();
      server.close();
      throw e;
    }
    socket = opened;
  }

  @Override
  public String name() {
    return "raw-socket";
  }

  @Override
  public long throughput(int inFlight, long durationNanos) {
    throw new UnsupportedOperationException("a ping-pong has one call in flight; see raw-nio");
  }

  @Override
  public void latency(Histogram histogram, long durationNanos) throws Exception {
    RoundTrip.record(this::pingPong, histogram, durationNanos);
  }

  private void pingPong() throws IOException {
    out.writeInt(Bench.BODY.length);
    out.write(Bench.BODY);
    out.flush();
    int length = in.readInt();
    if (length != reply.length) {
      throw new IOException("echo of " + length + " bytes, expected " + reply.length);
    }
    in.readFully(reply);
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    } finally {
      server.close();
    }
  }
}
