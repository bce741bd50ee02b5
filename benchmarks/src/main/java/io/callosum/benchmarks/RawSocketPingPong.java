package io.callosum.benchmarks;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The latency floor: a blocking {@link Socket} that writes one length-prefixed frame and reads the
 * echo before sending the next. Only meaningful one call at a time, so it is a P2 comparator only.
 * The server ({@link LengthPrefixedEchoServer}) runs in its own worker JVM unless same-JVM.
 */
final class RawSocketPingPong implements Contender {
  private final Server server;
  private final Socket socket;
  private final DataOutputStream out;
  private final DataInputStream in;
  private final byte[] reply = new byte[Bench.BODY.length];

  RawSocketPingPong(Host host) throws IOException {
    server = host.open("raw-socket", Role.RAW_ECHO, LengthPrefixedEchoServer.PIPELINED);
    Socket opened = new Socket();
    try {
      opened.setTcpNoDelay(true);
      opened.connect(Sockets.address(server.address()));
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
  public List<Server> servers() {
    return List.of(server);
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
