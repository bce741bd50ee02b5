package io.callosum.pipe;

import io.callosum.ConnectedPeer;
import io.callosum.Invoker;
import io.callosum.OrderKey;
import io.callosum.Peer;
import io.callosum.StreamCall;
import io.callosum.internal.PipeHost;
import io.callosum.lower.Transport;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Named pipes between programs, over streams (the netpipe idea): a peer hosts pipes by name; a
 * writer and a reader, each anywhere, open the two ends by descriptor and get an {@link
 * OutputStream} and an {@link InputStream}. The bytes flow through the hosting peer with the
 * streams' flow control, so a slow reader slows the writer and nothing piles up.
 *
 * <p>Semantics, as for a local named pipe: a write blocks until a reader is attached (at the latest
 * when the writer's buffer of {@code chunkSize} bytes is full or flushed); a read blocks until data
 * arrives and returns -1 after the writer has closed its end; a write after the reader has gone
 * fails with an {@link IOException} "broken pipe". A pipe has one writer and one reader at a time
 * (a second one is refused); its name is free again once both ends are done.
 *
 * <pre>{@code
 * Pipes.host(server);                                             // on the hosting peer
 * PipeDescriptor d = new PipeDescriptor(server.address(), "logs", PipeDescriptor.Mode.WRITE);
 * try (OutputStream out = Pipes.openOutput(d)) { ... }            // in the writer
 * try (InputStream in = Pipes.openInput(d.other())) { ... }       // in the reader
 * }</pre>
 */
public final class Pipes {
  /** The size of the pieces a pipe's output stream sends: 64 KiB. */
  public static final int CHUNK_SIZE = 64 << 10;

  private Pipes() {}

  /** Makes {@code peer} host named pipes (it registers the methods {@code callosum.pipe.*}). */
  public static void host(Peer peer) {
    PipeHost.host(peer);
  }

  /**
   * Opens the write end of the pipe {@code d} names, through a peer of its own that connects to the
   * host and is closed with the stream.
   */
  public static OutputStream openOutput(PipeDescriptor d) {
    return openOutput(d, null);
  }

  /**
   * As {@link #openOutput(PipeDescriptor)}, through {@code transport} (e.g. one with CURVE keys)
   * instead of the lower installed for the address scheme; null for that one.
   */
  public static OutputStream openOutput(PipeDescriptor d, Transport transport) {
    if (d.mode() != PipeDescriptor.Mode.WRITE) {
      throw new IllegalArgumentException("not the write end of a pipe: " + d);
    }
    ConnectedPeer peer = ownPeer(d, transport, "pipe-writer");
    try {
      return new FilterOutputStream(openOutput(peer, d.name())) {
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
          try {
            super.close();
          } finally {
            peer.close();
          }
        }
      };
    } catch (RuntimeException e) {
      peer.close();
      throw e;
    }
  }

  /**
   * Opens the read end of the pipe {@code d} names, through a peer of its own closed with the
   * stream.
   */
  public static InputStream openInput(PipeDescriptor d) {
    return openInput(d, null);
  }

  /**
   * As {@link #openInput(PipeDescriptor)}, through {@code transport}; null for the installed one.
   */
  public static InputStream openInput(PipeDescriptor d, Transport transport) {
    if (d.mode() != PipeDescriptor.Mode.READ) {
      throw new IllegalArgumentException("not the read end of a pipe: " + d);
    }
    ConnectedPeer peer = ownPeer(d, transport, "pipe-reader");
    try {
      return new FilterInputStream(openInput(peer, d.name())) {
        @Override
        public void close() throws IOException {
          try {
            super.close();
          } finally {
            peer.close();
          }
        }
      };
    } catch (RuntimeException e) {
      peer.close();
      throw e;
    }
  }

  /**
   * Opens the write end of pipe {@code name} at the peer {@code host} reaches. Closing the stream
   * ends the pipe (the reader then reads -1) and waits for the host to confirm; a failure (the pipe
   * busy, the host gone) is thrown as an {@link IOException}.
   */
  public static OutputStream openOutput(Invoker host, String name) {
    StreamCall call = host.call(PipeHost.WRITE).orderKey(ownKey()).timeout(null).clientStream(name);
    OutputStream chunks = call.upstream().outputStream(CHUNK_SIZE);
    return new FilterOutputStream(chunks) {
      private boolean closed;

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        failIfEnded();
        out.write(b, off, len);
      }

      @Override
      public void write(int b) throws IOException {
        failIfEnded();
        out.write(b);
      }

      @Override
      public void flush() throws IOException {
        failIfEnded();
        out.flush();
      }

      /** A call that ended before the stream did (busy pipe, host gone) fails the write. */
      private void failIfEnded() throws IOException {
        if (call.result().isCompletedExceptionally()) {
          awaitResult(call);
        }
      }

      @Override
      public void close() throws IOException {
        if (closed) {
          return;
        }
        closed = true;
        try {
          out.close();
        } finally {
          awaitResult(call);
        }
      }
    };
  }

  /**
   * Opens the read end of pipe {@code name} at the peer {@code host} reaches; closing it detaches
   * the reader.
   */
  public static InputStream openInput(Invoker host, String name) {
    StreamCall call = host.call(PipeHost.READ).orderKey(ownKey()).timeout(null).serverStream(name);
    return new FilterInputStream(call.downstream().inputStream()) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n == -1 && call.result().isCompletedExceptionally()) {
          awaitResult(call); // e.g. the pipe was busy: say so rather than end quietly
        }
        return n;
      }

      @Override
      public void close() throws IOException {
        super.close();
        call.cancel();
      }
    };
  }

  private static ConnectedPeer ownPeer(PipeDescriptor d, Transport transport, String name) {
    ConnectedPeer.Builder b = Peer.builder().connect(d.address()).defaultTimeout(null).name(name);
    if (transport != null) {
      b.transport(transport);
    }
    return b.build().start();
  }

  /**
   * An order key of its own for each end: under the host's ordering a pipe end on a shared key
   * would wait for (or hold back) every other call on that key, its other end included.
   */
  private static OrderKey ownKey() {
    byte[] key = new byte[16];
    ThreadLocalRandom.current().nextBytes(key);
    return OrderKey.ofBytes(key);
  }

  private static void awaitResult(StreamCall call) throws IOException {
    try {
      call.result().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while closing a pipe");
    } catch (ExecutionException e) {
      throw new IOException("pipe failed: " + e.getCause().getMessage(), e.getCause());
    } catch (CancellationException e) {
      // closed by this end
    }
  }
}
