package io.callosum.internal;

import io.callosum.Timer;
import io.callosum.lower.Envelope;
import io.callosum.lower.MemoryBudget;
import java.time.Duration;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Big messages in chunks (the {@code chunk} capability): a FUNCTION or RESULT whose body frame is
 * bigger than the chunk size leaves as its header alone, marked {@code chk: <frame length>}, and
 * the frame follows in CHUNK messages. The receiver grants {@link #WINDOW} chunks at first and one
 * more per chunk received, so at most that many are queued in the lower at a time and small
 * messages on the same connection pass between them instead of waiting behind the whole message.
 */
final class Chunks {
  private static final Logger LOG = LoggerFactory.getLogger(Chunks.class);

  /** Chunks the receiver lets the sender have in flight. */
  static final int WINDOW = 4;

  /**
   * How often an arriving big message must have progressed by {@link #MIN_PROGRESS} bytes (or its
   * rest): one that did not is dropped (its sender stalled, went silent or trickles).
   */
  static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

  /** See {@link #IDLE_TIMEOUT}. */
  static final int MIN_PROGRESS = 64 << 10;

  /**
   * The smallest chunked message: a sender chunks only bodies above its chunk size, at least 1 KiB.
   */
  static final int MIN_CHUNKED = 1024;

  /** Big messages arriving at once from one remote. */
  static final int MAX_IN_PER_REMOTE = 64;

  /** Request chunks (caller to callee) and reply chunks. */
  static final int REQUEST = Header.UPSTREAM;

  static final int REPLY = Header.DOWNSTREAM;

  private Chunks() {}

  /** The key of a transfer on one connection: the call's seq and the direction. */
  static long key(long seq, int direction) {
    return seq << 2 | direction;
  }

  /**
   * The sending side of one big message: sends as credit arrives (on the I/O thread that brings
   * it).
   */
  static final class Out {
    final RemoteLink remote;
    final Header header;
    final int direction;
    private final byte[] frame;
    private final int chunkSize;
    private int sent;
    private long credit;
    private boolean stopped;

    Out(RemoteLink remote, Header header, int direction, byte[] frame, int chunkSize) {
      this.remote = remote;
      this.header = header;
      this.direction = direction;
      this.frame = frame;
      this.chunkSize = chunkSize;
    }

    /** The bytes this transfer holds until it is done. */
    int total() {
      return frame.length;
    }

    /**
     * The envelope that starts the transfer: the header marked with the frame's length, no body.
     */
    Envelope start() {
      return new Envelope(MessageCodec.encodeHeader(header.chunked(frame.length)), new byte[0]);
    }

    /**
     * More credit: sends what it allows. True once everything has been sent (or the transfer
     * stopped).
     */
    synchronized boolean grant(long chunks) {
      credit += chunks;
      while (!stopped && credit > 0 && sent < frame.length) {
        int n = Math.min(chunkSize, frame.length - sent);
        byte[] slice = Arrays.copyOfRange(frame, sent, sent + n);
        try {
          remote.link.send(
              new Envelope(
                  MessageCodec.encodeHeader(header.stream(MessageType.CHUNK, direction, 0, 0)),
                  slice));
        } catch (RuntimeException e) {
          LOG.debug("chunk of {} not sent: {}", header.method(), e.getMessage());
          stopped = true;
          break;
        }
        sent += n;
        credit--;
      }
      return stopped || sent == frame.length;
    }

    synchronized void stop() {
      stopped = true;
    }
  }

  /**
   * The receiving side of one big message, filled in order. Its buffer is made by the first chunk
   * and grows as chunks arrive (doubling, up to the announced length), so an announcement alone
   * costs no memory; what the buffer takes counts in the remote's memory budget as it grows (a
   * chunk it has no room for is refused), and the whole length is counted against {@code
   * Limits.maxBufferedBytes} from the start.
   */
  static final class In {
    private static final byte[] EMPTY = new byte[0];

    final Header header;
    final int direction;
    private final int total;
    private final MemoryBudget.Holder memory;
    private byte[] frame = EMPTY;
    private volatile int filled;

    /** {@link #filled} when the stall watch last looked. */
    private int filledAtCheck;

    private volatile Timer.Scheduled watch;
    private boolean released;

    In(Header header, int direction, MemoryBudget.Holder memory) {
      this.header = header;
      this.direction = direction;
      this.total = (int) header.chunkTotal();
      this.memory = memory;
    }

    int total() {
      return total;
    }

    /**
     * The stall watch's look (every {@link #IDLE_TIMEOUT}): true if at least {@link #MIN_PROGRESS}
     * bytes, or the rest of the message, arrived since its previous look.
     */
    boolean progressed() {
      int now = filled;
      boolean enough = now - filledAtCheck >= Math.min(MIN_PROGRESS, total - filledAtCheck);
      filledAtCheck = now;
      return enough;
    }

    /**
     * The timer task that drops this transfer if it stalls; cancelled at once if the transfer is
     * released already.
     */
    void watch(Timer.Scheduled task) {
      this.watch = task;
      boolean gone;
      synchronized (this) {
        gone = released;
      }
      if (gone) {
        task.cancel();
      }
    }

    /**
     * Cancels the stall watch and lets go of the buffer's count in the memory budget (once the
     * transfer is complete or dropped; a complete one keeps its bytes for {@link #envelope}); a
     * watch set later is cancelled by {@link #watch}. Once only.
     */
    void release() {
      synchronized (this) {
        if (released) {
          return;
        }
        released = true;
        memory.release(frame.length);
      }
      Timer.Scheduled w = watch;
      if (w != null) {
        w.cancel();
      }
    }

    /** Whether {@code chunk} fits: not empty, and within the announced length. */
    boolean fits(byte[] chunk) {
      return chunk.length != 0 && chunk.length <= total - filled;
    }

    /**
     * Appends a chunk that {@link #fits}; false, and nothing appended, if the buffer must grow and
     * the memory budget has no room for it. Called by one thread at a time.
     */
    @SuppressWarnings("NonAtomicVolatileUpdate") // one writer; the stall watch only reads filled
    synchronized boolean append(byte[] chunk) {
      if (released) {
        return true; // dropped meanwhile: nothing more is kept
      }
      if (filled + chunk.length > frame.length) {
        int need = filled + chunk.length;
        int size = (int) Math.min(total, Math.max(need, 2L * frame.length));
        if (!memory.tryAdd(size - frame.length)) {
          size = need; // no room to double: perhaps for what this chunk needs
          if (!memory.tryAdd(size - frame.length)) {
            return false;
          }
        }
        frame = Arrays.copyOf(frame, size);
      }
      System.arraycopy(chunk, 0, frame, filled, chunk.length);
      filled += chunk.length;
      return true;
    }

    /** Why the budget had no room for {@code chunk} (see {@link #append}). */
    String noRoom(byte[] chunk) {
      return memory.why(chunk.length);
    }

    boolean complete() {
      return filled == total;
    }

    /** The whole message, as if it had come in one piece. */
    Envelope envelope() {
      return new Envelope(MessageCodec.encodeHeader(header.unchunked()), frame);
    }
  }
}
