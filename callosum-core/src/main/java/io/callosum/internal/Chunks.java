package io.callosum.internal;

import io.callosum.lower.Envelope;
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
  /** Request chunks (caller to callee) and reply chunks. */
  static final int REQUEST = Header.UPSTREAM;
  static final int REPLY = Header.DOWNSTREAM;

  private Chunks() {}

  /** The key of a transfer on one connection: the call's seq and the direction. */
  static long key(long seq, int direction) {
    return seq << 2 | direction;
  }

  /** The sending side of one big message: sends as credit arrives (on the I/O thread that brings it). */
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

    /** The envelope that starts the transfer: the header marked with the frame's length, no body. */
    Envelope start() {
      return new Envelope(MessageCodec.encodeHeader(header.chunked(frame.length)), new byte[0]);
    }

    /** More credit: sends what it allows. True once everything has been sent (or the transfer stopped). */
    synchronized boolean grant(long chunks) {
      credit += chunks;
      while (!stopped && credit > 0 && sent < frame.length) {
        int n = Math.min(chunkSize, frame.length - sent);
        byte[] slice = Arrays.copyOfRange(frame, sent, sent + n);
        try {
          remote.link.send(new Envelope(MessageCodec.encodeHeader(header.stream(MessageType.CHUNK, direction, 0, 0)), slice));
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

  /** The receiving side of one big message: a buffer of the announced length, filled in order. */
  static final class In {
    final Header header;
    final int direction;
    private final byte[] frame;
    private int filled;

    In(Header header, int direction) {
      this.header = header;
      this.direction = direction;
      this.frame = new byte[(int) header.chunkTotal()];
    }

    int total() {
      return frame.length;
    }

    /** Appends a chunk; false if it would overflow the announced length. */
    boolean append(byte[] chunk) {
      if (chunk.length == 0 || chunk.length > frame.length - filled) {
        return false;
      }
      System.arraycopy(chunk, 0, frame, filled, chunk.length);
      filled += chunk.length;
      return true;
    }

    boolean complete() {
      return filled == frame.length;
    }

    /** The whole message, as if it had come in one piece. */
    Envelope envelope() {
      return new Envelope(MessageCodec.encodeHeader(header.unchunked()), frame);
    }
  }
}
