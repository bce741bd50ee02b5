package io.callosum.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The raw comparators' server: frames of a 4-byte big-endian length and that many bytes, echoed
 * back whole. One thread per connection, blocking {@code java.nio} channels; every complete frame
 * of one read is answered with one write, so pipelined requests cost one syscall pair per batch. A
 * serving side ({@link Role#RAW_ECHO}): its argument is the buffer size; ready with {@code
 * host:port}.
 */
final class LengthPrefixedEchoServer implements Served {
  static final int MAX_FRAME = 1 << 20;

  /** The buffer argument for pipelined echoes of up to {@link #MAX_FRAME} bytes. */
  static final String PIPELINED = Integer.toString(MAX_FRAME + 4);

  private final ServerSocketChannel listener;
  private final Thread acceptor;
  private final List<SocketChannel> connections = new CopyOnWriteArrayList<>();
  private final List<Thread> workers = new CopyOnWriteArrayList<>();

  private final int bufferSize;

  /**
   * @param args the buffer size of each connection's read and write buffers (direct), which bounds
   *     the frame size
   */
  LengthPrefixedEchoServer(List<String> args) throws IOException {
    this(Integer.parseInt(args.get(0)));
  }

  private LengthPrefixedEchoServer(int bufferSize) throws IOException {
    this.bufferSize = bufferSize;
    listener = ServerSocketChannel.open();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    acceptor = new Thread(this::accept, "raw-echo-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @Override
  public List<String> ready() {
    try {
      return List.of(Sockets.hostPort((InetSocketAddress) listener.getLocalAddress()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void accept() {
    try {
      while (true) {
        SocketChannel connection = listener.accept();
        connection.setOption(StandardSocketOptions.TCP_NODELAY, true);
        connections.add(connection);
        Thread worker = new Thread(() -> serve(connection), "raw-echo-" + connections.size());
        worker.setDaemon(true);
        workers.add(worker);
        worker.start();
      }
    } catch (ClosedChannelException e) {
      // closed by close()
    } catch (IOException e) {
      System.err.println("raw echo server: accept failed: " + e);
    }
  }

  private void serve(SocketChannel connection) {
    ByteBuffer in = ByteBuffer.allocateDirect(bufferSize);
    ByteBuffer out = ByteBuffer.allocateDirect(bufferSize);
    try (connection) {
      while (connection.read(in) >= 0) {
        in.flip();
        while (in.remaining() >= 4) {
          int length = in.getInt(in.position());
          if (length < 0 || length > bufferSize - 4) {
            throw new IOException("bad frame length " + length);
          }
          if (in.remaining() < 4 + length || out.remaining() < 4 + length) {
            break;
          }
          ByteBuffer frame = in.slice(in.position(), 4 + length);
          out.put(frame);
          in.position(in.position() + 4 + length);
        }
        in.compact();
        out.flip();
        while (out.hasRemaining()) {
          connection.write(out);
        }
        out.clear();
      }
    } catch (ClosedChannelException e) {
      // closed by close()
    } catch (IOException e) {
      // the client went away
    } finally {
      connections.remove(connection);
      workers.remove(Thread.currentThread());
    }
  }

  @Override
  public void close() {
    try {
      listener.close();
      for (SocketChannel connection : connections) {
        connection.close();
      }
      acceptor.join(5_000);
      for (Thread worker : workers) {
        worker.join(5_000);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
