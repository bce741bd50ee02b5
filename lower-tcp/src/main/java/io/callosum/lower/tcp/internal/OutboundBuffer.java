package io.callosum.lower.tcp.internal;

import io.callosum.ConnectionLostException;
import io.callosum.OverloadedException;
import io.callosum.lower.MemoryBudget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * What one connection has to write: a queue of records, written in batches (as many as fit into the
 * loop's scratch buffer per {@code write} call), or, for a lone small frame when nothing is queued,
 * written through on the sender's thread. Only the unwritten tail of a batch is kept here between
 * writes. It also holds the backlog policy: a bound on queued bytes, and whether the remote has
 * stopped reading (no progress for the stall interval). What it holds (queued records, the
 * unwritten tail) counts in the connection's {@link MemoryBudget.Holder}, and a frame the holder
 * has no room for is refused like one over the bound.
 *
 * <p>Threads: {@link #add}, {@link #room}, {@link #writeThrough} and the {@link Backlog} queries
 * from any thread; {@link #flush}, {@link #pending}, {@link #markActive} and {@link #discard} on
 * the connection's I/O thread. One lock guards the write state and the writes themselves, so a
 * write-through and a flush never interleave their bytes.
 */
final class OutboundBuffer implements Backlog {
  /**
   * How long nothing must have been written for a sender to write itself (see {@link
   * #writeThrough}).
   */
  static final long IDLE_NANOS = 50_000;

  /**
   * Frames of at least this many bytes are written by their sender whenever nothing is queued, idle
   * or not (see {@link #writeThrough}).
   */
  static final int LARGE_FRAME = 32 << 10;

  /** What {@link #room} says about one more frame. */
  enum Room {
    /** It fits under the bound. */
    FITS,
    /** It does not fit, but the remote still reads (slower than this side sends): backpressure. */
    FULL,
    /**
     * It does not fit, and the remote has taken nothing for the stall interval: it does not read.
     */
    NOT_READING
  }

  /** What a {@link #flush} did. */
  enum Flush {
    /** Everything queued was handed to the socket. */
    DRAINED,
    /** The socket took less than was offered: flush again once it is writable. */
    BLOCKED,
    /**
     * A quantum was written and more is queued: flush again after other connections had their turn.
     */
    YIELDED
  }

  /** What a {@link #writeThrough} did. */
  enum Through {
    /** Not written: the frame must be queued. */
    NOT_TAKEN,
    /** Written whole. */
    WRITTEN,
    /** Written in part; the rest is the tail, which a {@link #flush} writes. */
    PARTIAL
  }

  /**
   * A queued write: up to three byte arrays sent back to back; {@code done} (if any) runs on the
   * loop once written.
   */
  private record Out(byte[] a, byte[] b, byte[] c, Runnable done) {
    long size() {
      return (long) a.length + (b != null ? b.length : 0) + (c != null ? c.length : 0);
    }

    byte[] piece(int i) {
      return i == 0 ? a : i == 1 ? b : c;
    }
  }

  private final String remote;
  private final long limit;
  private final long stallNanos;
  private final int flushQuantum;
  private final LongSupplier clock;
  private final MemoryBudget.Holder memory;
  private final ConcurrentLinkedQueue<Out> out = new ConcurrentLinkedQueue<>();
  private final AtomicLong queued = new AtomicLong();

  /** Guards the write state ({@link #current}, {@link #tail}) and the channel's writes. */
  private final ReentrantLock writeLock = new ReentrantLock();

  private Out current;
  private int currentPiece;
  private int currentOffset;
  private ByteBuffer tail;
  private volatile long lastWrite;

  /** Written under {@link #writeLock}; volatile so that stats read it without the lock. */
  private volatile long bytesOut;

  private volatile boolean discarded;

  /**
   * @param remote the remote's name, for the reasons of refusals
   * @param limit the bound on queued bytes ({@code TcpOptions.maxSendBacklog})
   * @param stallNanos how long without progress means the remote does not read ({@code
   *     heartbeatInterval})
   * @param flushQuantum bytes one {@link #flush} writes before it yields
   * @param clock nanoTime
   * @param memory where what is queued counts
   */
  OutboundBuffer(
      String remote,
      long limit,
      long stallNanos,
      int flushQuantum,
      LongSupplier clock,
      MemoryBudget.Holder memory) {
    this.remote = remote;
    this.limit = limit;
    this.stallNanos = stallNanos;
    this.flushQuantum = flushQuantum;
    this.clock = clock;
    this.memory = memory;
    this.lastWrite = clock.getAsLong();
  }

  /**
   * Queues {@code a}, {@code b} and {@code c} (the last two may be null) as they are, no copy;
   * {@code done} runs on the loop once written.
   */
  void add(byte[] a, byte[] b, byte[] c, Runnable done) {
    Out o = new Out(a, b, c, done);
    queued.addAndGet(o.size());
    memory.add(o.size());
    out.add(o);
    if (discarded) {
      drop(); // queued while the connection ended: nobody writes it
    }
  }

  /** Takes everything out of the queue uncounted. Any thread; each record is dropped once. */
  private void drop() {
    Out o;
    while ((o = out.poll()) != null) {
      unqueued(o);
    }
  }

  private void unqueued(Out o) {
    queued.addAndGet(-o.size());
    memory.release(o.size());
  }

  /** Sets the unwritten tail (null: none), counted in the memory budget. */
  private void tail(ByteBuffer t) {
    if (tail != null) {
      memory.release(tail.capacity());
    }
    tail = t;
    if (t != null) {
      memory.add(t.capacity());
    }
  }

  /** Queues one record: its 4-byte length, then {@code content}. */
  void addRecord(byte[] content, Runnable done) {
    add(lengthOf(content), content, null, done);
  }

  /** A record's 4-byte length prefix. */
  private static byte[] lengthOf(byte[] content) {
    byte[] length = new byte[4];
    Wire.putInt(length, 0, content.length);
    return length;
  }

  /**
   * Whether a frame of {@code frameSize} bytes may be queued now (see {@link Room}): within the
   * bound and the memory budget's allowance.
   */
  Room room(long frameSize) {
    if (queued.get() + frameSize > limit) {
      return idleNanos() > stallNanos ? Room.NOT_READING : Room.FULL;
    }
    if (memory.allowance() < frameSize) {
      return stalled() ? Room.NOT_READING : Room.FULL;
    }
    return Room.FITS;
  }

  /**
   * Whether {@code frameSize} more bytes would fill the backlog past half its bound while the
   * remote still reads. A fan-out sender holds its item back then (its publisher tries again): the
   * other half is room for the same item on the connection's other channels, which share this
   * backlog, and for other traffic. A remote that does not read is not waited for.
   */
  boolean halfFull(long frameSize) {
    return queued.get() + frameSize > limit / 2 && idleNanos() <= stallNanos;
  }

  /**
   * Refuses a frame of {@code frameSize} bytes that would overfill the backlog, or for which the
   * memory budget has no room. A remote that still reads, only slower than this side sends (or
   * while the budget is used up): {@link OverloadedException} (backpressure for the caller). One
   * that has taken nothing for the stall interval has stopped reading: {@link
   * ConnectionLostException}, and the caller cuts the connection.
   */
  void admit(long frameSize) {
    Room room = room(frameSize);
    if (room == Room.FITS) {
      return;
    }
    boolean memoryFull = queued.get() + frameSize <= limit;
    String full =
        memoryFull
            ? "no room for a frame to " + remote + " in the memory budget: " + memory.why(frameSize)
            : "the send backlog to "
                + remote
                + " is full ("
                + queued.get()
                + " bytes, limit "
                + limit
                + ")";
    if (room == Room.NOT_READING) {
      throw new ConnectionLostException(
          full
              + " and it has taken nothing for "
              + idleNanos() / 1_000_000
              + " ms: the remote does not read");
    }
    throw new OverloadedException(
        memoryFull ? full : full + ": the remote reads slower than this side sends");
  }

  @Override
  public long queuedBytes() {
    return queued.get();
  }

  @Override
  public boolean stalled() {
    return queued.get() > 0 && idleNanos() > stallNanos;
  }

  /**
   * Nanoseconds since the socket last took bytes (or since the buffer was made, or {@link
   * #markActive}).
   */
  long idleNanos() {
    return clock.getAsLong() - lastWrite;
  }

  long bytesOut() {
    return bytesOut;
  }

  /**
   * Writes a lone frame ({@code prefix}, {@code header}, {@code body}; the caller offers only
   * frames up to {@code Outbound.WRITE_THROUGH_MAX}) on the caller's thread, if nothing is queued
   * and no one else is writing, and either the frame is large ({@link #LARGE_FRAME} bytes or more)
   * or nothing was written for {@link #IDLE_NANOS}: the common case of a request or reply then
   * costs no wake-up of the loop. Under load small frames queue instead, so the loop batches many
   * into one write rather than every sender making its own system call; a large frame is a write of
   * its own either way, and a sender that writes it saves the loop's wake-up per frame.
   */
  Through writeThrough(GatheringByteChannel channel, byte[] prefix, byte[] header, byte[] body)
      throws IOException {
    long size = (long) prefix.length + header.length + body.length;
    return writeThrough(
        channel, size, ByteBuffer.wrap(prefix), ByteBuffer.wrap(header), ByteBuffer.wrap(body));
  }

  /**
   * Writes one record (its 4-byte length, then {@code content}) on the caller's thread, under the
   * rules of {@link #writeThrough(GatheringByteChannel, byte[], byte[], byte[])}.
   */
  Through writeRecordThrough(GatheringByteChannel channel, byte[] content) throws IOException {
    return writeThrough(
        channel, 4L + content.length, ByteBuffer.wrap(lengthOf(content)), ByteBuffer.wrap(content));
  }

  @SuppressWarnings("NonAtomicVolatileUpdate") // bytesOut is written under writeLock only
  private Through writeThrough(GatheringByteChannel channel, long size, ByteBuffer... parts)
      throws IOException {
    if ((size < LARGE_FRAME && idleNanos() < IDLE_NANOS) || !writeLock.tryLock()) {
      return Through.NOT_TAKEN;
    }
    try {
      if (discarded || current != null || tail != null || !out.isEmpty()) {
        return Through.NOT_TAKEN;
      }
      bytesOut += channel.write(parts);
      lastWrite = clock.getAsLong();
      int rest = 0;
      for (ByteBuffer part : parts) {
        rest += part.remaining();
      }
      if (rest == 0) {
        return Through.WRITTEN;
      }
      ByteBuffer unwritten = ByteBuffer.allocate(rest);
      for (ByteBuffer part : parts) {
        unwritten.put(part);
      }
      tail(unwritten.flip());
      return Through.PARTIAL;
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Writes the tail, then queued records, copying as many as fit into {@code scratch} per write,
   * until everything is written, the channel takes less than offered, or a quantum is written. I/O
   * thread.
   */
  @SuppressWarnings("NonAtomicVolatileUpdate") // bytesOut is written under writeLock only
  Flush flush(GatheringByteChannel channel, ByteBuffer scratch) throws IOException {
    writeLock.lock();
    try {
      if (tail != null) {
        bytesOut += channel.write(tail);
        if (tail.hasRemaining()) {
          return Flush.BLOCKED;
        }
        tail(null);
        lastWrite = clock.getAsLong();
      }
      int written = 0;
      while (written < flushQuantum) {
        scratch.clear();
        fill(scratch);
        if (scratch.position() == 0) {
          break;
        }
        scratch.flip();
        int w = channel.write(scratch);
        written += w;
        bytesOut += w;
        lastWrite = clock.getAsLong();
        if (scratch.hasRemaining()) {
          ByteBuffer rest = ByteBuffer.allocate(scratch.remaining());
          rest.put(scratch).flip();
          tail(rest);
          return Flush.BLOCKED;
        }
      }
      return written >= flushQuantum && (current != null || !out.isEmpty())
          ? Flush.YIELDED
          : Flush.DRAINED;
    } finally {
      writeLock.unlock();
    }
  }

  /** Copies queued records into {@code buf} until it is full or nothing is queued. */
  private void fill(ByteBuffer buf) {
    while (buf.hasRemaining()) {
      if (current == null) {
        current = out.poll();
        currentPiece = 0;
        currentOffset = 0;
        if (current == null) {
          return;
        }
      }
      byte[] piece = current.piece(currentPiece);
      if (piece == null || currentOffset == piece.length) {
        if (piece == null || ++currentPiece == 3) {
          unqueued(current);
          Runnable done = current.done();
          current = null;
          if (done != null) {
            done.run();
          }
        }
        currentOffset = 0;
        continue;
      }
      int n = Math.min(buf.remaining(), piece.length - currentOffset);
      buf.put(piece, currentOffset, n);
      currentOffset += n;
    }
  }

  /** Whether anything is waiting to be written (queued, or a tail). I/O thread. */
  boolean pending() {
    return current != null || tail != null || !out.isEmpty();
  }

  /**
   * Counts as progress at {@code now}: a heartbeat queued behind a full socket is not queued again
   * at once. I/O thread.
   */
  void markActive(long now) {
    lastWrite = now;
  }

  /**
   * Drops everything queued (the connection has ended), and what is queued later; a later
   * write-through takes nothing. I/O thread.
   */
  void discard() {
    discarded = true;
    writeLock.lock();
    try {
      drop();
      if (current != null) {
        unqueued(current);
        current = null;
      }
      tail(null);
    } finally {
      writeLock.unlock();
    }
  }
}
