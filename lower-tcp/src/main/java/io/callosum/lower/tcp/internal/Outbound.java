package io.callosum.lower.tcp.internal;

import io.callosum.ConnectionLostException;
import io.callosum.MessageTooLargeException;
import io.callosum.lower.Envelope;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The sending side of one connection: records of the handshake as they are, frames of the data
 * phase sealed by the security layer (unless the connection is plain), and the core's envelopes as
 * DATA frames, checked against the frame limit and the backlog bound and, when a lone small frame
 * comes from outside the loop, written through on the sender's thread. What is queued ({@link
 * OutboundBuffer}) the loop writes in {@link #flush}; senders ask it to, once until it has.
 *
 * <p>Threads: {@link #frame}, {@link #plain}, {@link #data} and {@link #requestFlush} from any
 * thread; {@link #start}, {@link #flush} and {@link #close} on the loop thread. A send that finds
 * the connection broken ends it on the loop ({@link Target#failSoon}) and throws.
 */
final class Outbound {
  /**
   * The largest frame a sender writes itself when nothing is queued (larger ones go through the
   * loop): room for a 64 KiB stream item and its framing, sealed or not, while what a partial write
   * leaves over (copied into the tail) stays small.
   */
  static final int WRITE_THROUGH_MAX = 256 << 10;

  /**
   * How many frames the loop thread queues itself (the replies and next calls of direct executors,
   * sent while it delivers what it read; frames a relay passes on from another connection) before
   * the connection writes them, rather than after the whole read: the remote works on the first
   * ones while this side works through the rest ({@link Target#flushEarly}).
   */
  static final int EARLY_FLUSH = 16;

  /** What the sending side needs of its connection. */
  interface Target {
    /** Whether the calling thread is the connection's loop, which queues and never writes. */
    boolean inLoop();

    /** Has the loop call {@link #flush} soon. Any thread. */
    void flushSoon();

    /**
     * The loop thread queued {@link #EARLY_FLUSH} frames on this connection since its last flush:
     * have the loop write them at the next point of its read where that is safe ({@code
     * IoLoop.flushEarly}), not only after the read. Loop thread.
     */
    void flushEarly();

    /**
     * Ends the connection on the loop with {@code cause} (logged as a cut if {@code cut}); returns
     * {@code cause} for the sender to throw. Any thread.
     */
    ConnectionLostException failSoon(ConnectionLostException cause, boolean cut);
  }

  /** The security layer's sealing of one frame of the data phase ({@link HandshakeDriver}). */
  interface Sealer {
    /**
     * Seals {@code frame} and hands the record to {@code queue}, in the order of sealing; false,
     * and nothing queued, once the connection's keys are gone. Any thread.
     */
    boolean sealed(byte[] frame, Consumer<byte[]> queue);

    /**
     * {@link #sealed} for the DATA frame of {@code channel} with {@code header} and a body of
     * {@code bodyHead} then {@code body} ({@link Wire#dataFrame(int, byte[], byte[], byte[])}),
     * which a sealer may build without the frame, or the body, as an array of its own.
     */
    default boolean sealedData(
        int channel, byte[] header, byte[] bodyHead, byte[] body, Consumer<byte[]> queue) {
      return sealed(Wire.dataFrame(channel, header, bodyHead, body), queue);
    }
  }

  private final String remote;
  private final GatheringByteChannel socket;
  private final OutboundBuffer buffer;
  private final Sealer sealer;
  private final int maxFrameSize;
  private final Target target;
  private final AtomicBoolean flushRequested = new AtomicBoolean();

  /** Whether the socket is connected, so that {@link #flush} writes. Loop thread. */
  private boolean started;

  /** Frames the loop thread queued itself since the last {@link #flush}; loop thread only. */
  private int queuedByLoop;

  private volatile boolean closed;

  /**
   * @param remote the remote's name, for reasons
   * @param sealer the security layer's sealing; null for a plain connection
   * @param maxFrameSize the largest frame ({@code TcpOptions.maxFrameSize})
   */
  Outbound(
      String remote,
      GatheringByteChannel socket,
      OutboundBuffer buffer,
      Sealer sealer,
      int maxFrameSize,
      Target target) {
    this.remote = remote;
    this.socket = socket;
    this.buffer = buffer;
    this.sealer = sealer;
    this.maxFrameSize = maxFrameSize;
    this.target = target;
  }

  /**
   * Queues one frame of the data phase (sealed unless plain); {@code done} (if any) runs on the
   * loop thread once it has been handed to the socket (never, if the connection ends first).
   * Nothing happens once the connection's keys are gone.
   */
  void frame(byte[] frame, Runnable done) {
    if (sealer == null) {
      buffer.addRecord(frame, done);
    } else if (!sealer.sealed(frame, box -> buffer.addRecord(box, done))) {
      return; // the connection has ended: nothing more is written on it anyway
    }
    queued();
  }

  /**
   * Queues one record outside the data phase: handshake frames and early ABORTs travel unsealed.
   */
  void plain(byte[] record) {
    buffer.addRecord(record, null);
  }

  /**
   * Queues one envelope on channel {@code number}; never blocks. Plain connections queue the
   * envelope's arrays as they are (no copy until the loop writes them; a body in pieces has its
   * small head joined to the header, its payload left as it is), or write a lone frame through on
   * the caller's thread when nothing is queued.
   *
   * @throws MessageTooLargeException if the frame exceeds the frame limit
   * @throws io.callosum.OverloadedException if the backlog is full of what a reading remote has not
   *     taken yet
   * @throws ConnectionLostException if the connection is closed, or is cut now because the remote
   *     does not read or the write failed
   */
  void data(int number, Envelope e) {
    long frameSize = (long) Wire.DATA_FRAME_HEADER + e.size();
    if (frameSize > maxFrameSize) {
      throw new MessageTooLargeException(
          "a message of "
              + e.size()
              + " bytes does not fit in the TCP lower's frame limit of "
              + maxFrameSize
              + " bytes (TcpOptions.maxFrameSize)");
    }
    if (closed) {
      throw new ConnectionLostException("connection to " + remote + " is closed");
    }
    try {
      buffer.admit(frameSize);
    } catch (ConnectionLostException notReading) {
      throw target.failSoon(notReading, true);
    }
    if (sealer == null) {
      byte[] prefix = new byte[4 + Wire.DATA_FRAME_HEADER];
      Wire.putInt(prefix, 0, (int) frameSize);
      Wire.putDataPrefix(prefix, 4, number, e.header().length);
      // A body in pieces: its small head goes behind the header, its payload as it is, uncopied.
      byte[] head = e.bodyHead().length == 0 ? e.header() : joined(e.header(), e.bodyHead());
      byte[] tail = e.bodyTail();
      if (frameSize <= WRITE_THROUGH_MAX
          && !target.inLoop()
          && taken(() -> buffer.writeThrough(socket, prefix, head, tail))) {
        return;
      }
      buffer.add(prefix, head, tail, null);
      queued();
    } else {
      // Under the sealer's lock, so records are written or queued in nonce order.
      if (!sealer.sealedData(number, e.header(), e.bodyHead(), e.bodyTail(), this::sendRecord)) {
        throw new ConnectionLostException("connection to " + remote + " is closed");
      }
    }
  }

  /**
   * Writes a sealed record on the caller's thread when {@link OutboundBuffer#writeRecordThrough}
   * takes it, else queues it for the loop.
   */
  private void sendRecord(byte[] record) {
    if (record.length + 4 <= WRITE_THROUGH_MAX
        && !target.inLoop()
        && taken(() -> buffer.writeRecordThrough(socket, record))) {
      return;
    }
    buffer.addRecord(record, null);
    queued();
  }

  /** One attempt of the buffer to write on the caller's thread. */
  @FunctionalInterface
  private interface ThroughWrite {
    OutboundBuffer.Through write() throws IOException;
  }

  /** {@code a} then {@code b} in one array. */
  private static byte[] joined(byte[] a, byte[] b) {
    byte[] ab = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, ab, a.length, b.length);
    return ab;
  }

  /**
   * Runs {@code attempt}; true if it wrote the frame, or part of it (the loop is asked to write the
   * rest when the socket drains); a failed write ends the connection.
   */
  private boolean taken(ThroughWrite attempt) {
    OutboundBuffer.Through t;
    try {
      t = attempt.write();
    } catch (IOException ex) {
      throw target.failSoon(lostWriting(ex), false);
    }
    if (t == OutboundBuffer.Through.PARTIAL) {
      requestFlush();
    }
    return t != OutboundBuffer.Through.NOT_TAKEN;
  }

  /** Asks the loop to flush, unless it has been asked since it last did. Any thread. */
  void requestFlush() {
    if (flushRequested.compareAndSet(false, true)) {
      target.flushSoon();
    }
  }

  /**
   * A frame of the data phase was queued: the loop is asked to write it; one the loop thread queued
   * itself counts toward an early write, which the {@link #EARLY_FLUSH}th since the last flush asks
   * for.
   */
  private void queued() {
    if (target.inLoop() && ++queuedByLoop == EARLY_FLUSH) {
      target.flushEarly();
    }
    requestFlush();
  }

  /** The socket is connected: {@link #flush} writes from now on. Loop thread. */
  void start() {
    started = true;
  }

  /**
   * Writes what is queued ({@link OutboundBuffer#flush}), asking for another flush if it yielded;
   * null if it writes nothing, as the socket is not connected yet or the connection has ended. Loop
   * thread.
   */
  OutboundBuffer.Flush flush(ByteBuffer scratch) throws IOException {
    flushRequested.set(false);
    queuedByLoop = 0;
    if (!started || closed) {
      return null;
    }
    OutboundBuffer.Flush result = buffer.flush(socket, scratch);
    if (result == OutboundBuffer.Flush.YIELDED) {
      requestFlush(); // more to write: let other connections have a turn first
    }
    return result;
  }

  /** What a failed write means. */
  ConnectionLostException lostWriting(IOException e) {
    return new ConnectionLostException(
        "connection to " + remote + " lost while writing: " + e.getMessage(), e);
  }

  /** The connection has ended: sends fail, and what is queued is dropped. Loop thread. */
  void close() {
    closed = true;
    buffer.discard();
  }
}
