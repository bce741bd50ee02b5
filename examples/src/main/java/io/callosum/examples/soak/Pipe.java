package io.callosum.examples.soak;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * One direction of a proxied connection: a reader thread moves the bytes that arrive on one socket
 * into a bounded queue, each chunk stamped with when it may leave (now plus the latency of the
 * moment, never before the chunk ahead of it); a writer thread writes them to the other socket once
 * due, not while the link is stalled, and paced to its bandwidth cap. The queue holds at most 256
 * KiB: past that the reader stops reading, so a stalled or slow link pushes back on its sender as a
 * real one does. End of stream is passed on as a half-close once the bytes ahead of it are written.
 *
 * <p>{@link #discard()} makes the writer drop what it would write (the other end hears nothing: a
 * half-open connection); {@link #close()} stops both threads once the owner has closed the sockets.
 */
final class Pipe {
  /** What the pipe tells its connection; called on the pipe's own threads. */
  interface Owner {
    /** The pipe passed end of stream on: nothing more will come this way. */
    void ended(Pipe pipe);

    /** A socket of the pipe failed (reset, or closed by the owner). */
    void failed(Pipe pipe);
  }

  private static final int MAX_QUEUED = 256 << 10;

  /** The longest a writer waits before looking at the faults again. */
  private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private record Chunk(byte[] bytes, long due) {} // bytes null: end of stream

  private final Socket from;
  private final Socket to;
  private final LinkFaults faults;
  private final Owner owner;
  private final Thread reader;
  private final Thread writer;
  private final ArrayDeque<Chunk> queue = new ArrayDeque<>(); // guarded by this
  private long queuedBytes; // guarded by this
  private boolean closed; // guarded by this
  private volatile boolean discarding;
  private long lastDue; // reader thread only

  Pipe(String name, Socket from, Socket to, LinkFaults faults, Owner owner) {
    this.from = from;
    this.to = to;
    this.faults = faults;
    this.owner = owner;
    reader = new Thread(this::read, name + "-read");
    writer = new Thread(this::write, name + "-write");
    reader.setDaemon(true);
    writer.setDaemon(true);
  }

  void start() {
    reader.start();
    writer.start();
  }

  /** From now on the bytes are read and dropped: the far end hears nothing more. */
  void discard() {
    discarding = true;
  }

  /** Stops both threads (their sockets are closed by the owner, which ends blocked reads). */
  void close() {
    synchronized (this) {
      closed = true;
      queue.clear();
      notifyAll();
    }
  }

  /** Waits up to {@code millis} for both threads to end. */
  void join(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    reader.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    writer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
  }

  private void read() {
    byte[] buf = new byte[16 << 10];
    try {
      InputStream in = from.getInputStream();
      while (true) {
        int n = in.read(buf);
        long now = faults.now();
        lastDue = Math.max(lastDue, now + faults.latencyNanos(now));
        Chunk c = new Chunk(n < 0 ? null : Arrays.copyOf(buf, n), lastDue);
        synchronized (this) {
          while (!closed && queuedBytes >= MAX_QUEUED) {
            wait();
          }
          if (closed) {
            return;
          }
          queue.add(c);
          queuedBytes += Math.max(n, 0);
          notifyAll();
        }
        if (n < 0) {
          return;
        }
      }
    } catch (IOException e) {
      owner.failed(this);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // nobody interrupts these threads; end quietly
    }
  }

  private void write() {
    try {
      OutputStream out = to.getOutputStream();
      while (true) {
        Chunk c;
        synchronized (this) {
          while (!closed && queue.isEmpty()) {
            wait();
          }
          if (closed) {
            return;
          }
          c = queue.peek();
        }
        if (!awaitDue(c.due())) {
          return;
        }
        if (c.bytes() == null) {
          if (!discarding) {
            to.shutdownOutput();
          }
          owner.ended(this);
          return;
        }
        writePaced(out, c.bytes());
        synchronized (this) {
          queue.poll();
          queuedBytes -= c.bytes().length;
          notifyAll();
        }
      }
    } catch (IOException e) {
      owner.failed(this);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until {@code due} and the end of any stall; false once closed. */
  private boolean awaitDue(long due) throws InterruptedException {
    while (true) {
      long now = faults.now();
      long wait = Math.max(due - now, faults.stalledUntil() - now);
      if (wait <= 0) {
        return true;
      }
      synchronized (this) {
        if (closed) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, Math.min(wait, RECHECK_NANOS));
      }
    }
  }

  /** Writes {@code bytes}, in slices of 20 ms worth of the bandwidth cap while there is one. */
  private void writePaced(OutputStream out, byte[] bytes) throws IOException, InterruptedException {
    int off = 0;
    while (off < bytes.length) {
      long rate = faults.bytesPerSecond(faults.now());
      int n = bytes.length - off;
      if (rate > 0) {
        n = (int) Math.max(1, Math.min(n, rate / 50));
        TimeUnit.NANOSECONDS.sleep(TimeUnit.SECONDS.toNanos(n) / rate);
      }
      if (!discarding) {
        out.write(bytes, off, n);
      }
      off += n;
    }
  }
}
