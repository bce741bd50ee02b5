package io.callosum.benchmarks;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The limit proxy: a pipelined length-prefixed echo over one blocking {@code java.nio} channel. The
 * client writes {@code n} frames, then for every batch of replies it reads writes as many new
 * frames in one write. No threads hand anything to each other on either side. The server ({@link
 * LengthPrefixedEchoServer}) runs in its own worker JVM unless same-JVM.
 */
final class RawNioEcho implements Contender {
  private final Server server;
  private final SocketChannel channel;
  private final ByteBuffer in = ByteBuffer.allocateDirect(1 << 20);
  private final ByteBuffer out = ByteBuffer.allocateDirect(1 << 20);

  RawNioEcho(Host host) throws IOException {
    server = host.open("raw-nio", Role.RAW_ECHO, LengthPrefixedEchoServer.PIPELINED);
    SocketChannel opened = null;
    try {
      opened = SocketChannel.open(Sockets.address(server.address()));
      opened.setOption(StandardSocketOptions.TCP_NODELAY, true);
    } finally {
      if (opened == null) {
        server.close();
      }
    }
    channel = opened;
  }

  @Override
  public String name() {
    return "raw-nio";
  }

  @Override
  public long throughput(int inFlight, long durationNanos) throws IOException {
    long deadline = System.nanoTime() + durationNanos;
    writeFrames(inFlight);
    long sent = inFlight;
    long received = 0;
    while (received < sent) {
      int replies = readFrames();
      received += replies;
      if (System.nanoTime() - deadline < 0) {
        writeFrames(replies);
        sent += replies;
      }
    }
    return received;
  }

  @Override
  public void latency(Histogram histogram, long durationNanos) throws Exception {
    RoundTrip.record(
        () -> {
          writeFrames(1);
          int replies = 0;
          while (replies == 0) {
            replies = readFrames();
          }
        },
        histogram,
        durationNanos);
  }

  private void writeFrames(int count) throws IOException {
    out.clear();
    for (int i = 0; i < count; i++) {
      out.putInt(Bench.BODY.length).put(Bench.BODY);
    }
    out.flip();
    while (out.hasRemaining()) {
      channel.write(out);
    }
  }

  /** Reads once (blocking) and returns the number of whole frames now consumed. */
  private int readFrames() throws IOException {
    if (channel.read(in) < 0) {
      throw new EOFException("raw echo server closed the connection");
    }
    in.flip();
    int frames = 0;
    while (in.remaining() >= 4) {
      int length = in.getInt(in.position());
      if (in.remaining() < 4 + length) {
        break;
      }
      in.position(in.position() + 4 + length);
      frames++;
    }
    in.compact();
    return frames;
  }

  @Override
  public List<Server> servers() {
    return List.of(server);
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // closing anyway
    } finally {
      server.close();
    }
  }
}
