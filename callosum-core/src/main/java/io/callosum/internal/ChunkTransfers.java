package io.callosum.internal;

import io.callosum.CallosumException;
import io.callosum.ErrorCode;
import io.callosum.Limits;
import io.callosum.OverloadedException;
import io.callosum.Timer;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Big messages moved in chunks (the {@code chunk} capability, see {@link Chunks}) for one peer:
 * sending them under the receiver's credit within a budget of bytes held for that, taking them in
 * within a budget per remote and in total, and dropping transfers that stall. Announced lengths
 * count against {@code Limits.maxBufferedBytes} from the announcement; the memory a transfer really
 * holds (an outgoing message until its receiver took it, an arriving one's buffer as its chunks
 * come) counts in the remote's memory budget ({@link RemoteLink#memory}), which refuses what it has
 * no room for.
 *
 * <p>{@link #send} runs on the thread that sends the message (caller or handler); chunks and credit
 * arrive on the lower's I/O thread; the stall watch runs on the timer; {@link #callEnded} and
 * {@link #disconnected} on whichever thread ends the call or sees the remote go. Transfers live in
 * their {@link RemoteLink}'s tables; the budgets are counted here.
 */
final class ChunkTransfers {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkTransfers.class);

  /** Fails the pending call a refused big reply was for. */
  interface ReplyRefusal {
    void refuse(RemoteLink r, Header reply, CallosumException error);
  }

  /** Answers a message over the size limit (see {@link Dispatcher#tooLarge}). */
  interface TooLarge {
    void refuse(RemoteLink r, Header h, long size);
  }

  private final String name;
  private final int chunkSize;
  private final long maxBufferedBytes;
  private final Timer timer;
  private final int maxMessageSize;
  private final ReplyRefusal replyRefusal;
  private final TooLarge tooLarge;

  /** Told when the stall watch dropped a transfer (the peer's drain checks whether it is idle). */
  private final Runnable dropped;

  /**
   * Bytes of big messages being received in chunks, counted against {@code
   * Limits.maxBufferedBytes}.
   */
  private final AtomicLong bytesIn = new AtomicLong();

  /**
   * Bytes of big messages this peer holds until their receivers grant chunk credit, bounded alike.
   */
  private final AtomicLong bytesOut = new AtomicLong();

  ChunkTransfers(
      String name,
      int chunkSize,
      Limits limits,
      Timer timer,
      ReplyRefusal replyRefusal,
      TooLarge tooLarge,
      Runnable dropped) {
    this.name = name;
    this.chunkSize = chunkSize;
    this.maxBufferedBytes = limits.maxBufferedBytes();
    this.maxMessageSize = limits.maxMessageSize();
    this.timer = timer;
    this.replyRefusal = replyRefusal;
    this.tooLarge = tooLarge;
    this.dropped = dropped;
  }

  // ---------------------------------------------------------------- sending

  /**
   * Sends {@code env} whole, or in chunks when it is big and the remote takes chunks. Throws {@link
   * OverloadedException} when the bytes waiting for their receivers' credit would exceed the
   * budget, and whatever the lower throws.
   */
  void send(RemoteLink r, Header h, Envelope env, int direction) {
    if (env.bodyLength() <= chunkSize
        || !r.capabilities.has(Capabilities.CHUNK)
        || (direction == Chunks.REQUEST && r.capabilities.has(Capabilities.ORDERED))) {
      r.link.send(env); // an ordering callee gets calls whole: see Capabilities.ORDERED
      return;
    }
    long length = env.bodyLength();
    long held = bytesOut.addAndGet(length);
    if (held > maxBufferedBytes && held != length) {
      bytesOut.addAndGet(-length);
      throw new OverloadedException(
          held
              - length
              + " bytes of big messages wait for their receivers' credit (limit "
              + maxBufferedBytes
              + ")");
    }
    if (!r.memory.tryAdd(length)) {
      bytesOut.addAndGet(-length);
      throw new OverloadedException(r.memory.why(length));
    }
    Chunks.Out out = new Chunks.Out(r, h, direction, env.body(), chunkSize);
    long key = Chunks.key(h.seq(), direction);
    Chunks.Out previous =
        r.chunksOut.put(key, out); // registered first: the credit may come at once
    if (previous != null) {
      previous.stop();
      outDone(r, previous);
    }
    try {
      r.link.send(out.start());
    } catch (RuntimeException e) {
      if (r.chunksOut.remove(key, out)) {
        outDone(r, out);
      }
      throw e;
    }
  }

  /**
   * A CHUNK_CREDIT (I/O thread): more chunks may leave, or (no credit) the receiver wants no more.
   */
  void credit(RemoteLink r, Header h) {
    long key = Chunks.key(h.seq(), h.streams());
    Chunks.Out out = r.chunksOut.get(key);
    if (out == null) {
      return;
    }
    if (h.creditItems() == 0) {
      LOG.debug("{}: {} stopped the chunks of {} seq {}", name, r.id(), h.method(), h.seq());
      stopOut(r, key);
    } else if (out.grant(h.creditItems()) && r.chunksOut.remove(key, out)) {
      outDone(r, out);
    }
  }

  /** What a big message being sent held, now that it is sent or stopped. */
  private void outDone(RemoteLink r, Chunks.Out out) {
    bytesOut.addAndGet(-out.total());
    r.memory.release(out.total());
  }

  private void stopOut(RemoteLink r, long key) {
    Chunks.Out out = r.chunksOut.remove(key);
    if (out != null) {
      out.stop();
      outDone(r, out);
    }
  }

  // ---------------------------------------------------------------- receiving

  /**
   * A FUNCTION or RESULT announcing that its body follows in chunks (I/O thread): takes the
   * transfer in, or refuses it.
   */
  void announced(RemoteLink r, Header h, Envelope env) {
    int direction = h.type() == MessageType.FUNCTION ? Chunks.REQUEST : Chunks.REPLY;
    if (env.body().length != 0) {
      refuse(r, h, ErrorNames.BAD_MESSAGE, "a chunked message must have an empty body frame");
      return;
    }
    if (h.chunkTotal() + env.header().length > maxMessageSize) {
      tooLarge.refuse(r, h, h.chunkTotal() + env.header().length);
      abort(r, h, direction);
      return;
    }
    if (direction == Chunks.REPLY) {
      ClientCall c = r.pending.get(h.seq());
      if (c == null || !c.answeredBy(h)) {
        LOG.debug(
            "{}: chunked reply from {} for an unknown or finished call ({} seq {})",
            name,
            r.id(),
            h.method(),
            h.seq());
        abort(r, h, direction);
        return;
      }
    }
    long total = h.chunkTotal();
    if (total <= Chunks.MIN_CHUNKED) {
      refuse(
          r,
          h,
          ErrorNames.BAD_MESSAGE,
          "a chunked message of "
              + total
              + " bytes (chunked ones are over "
              + Chunks.MIN_CHUNKED
              + ")");
      return;
    }
    if (r.chunksIn.size() >= Chunks.MAX_IN_PER_REMOTE) {
      refuse(
          r,
          h,
          ErrorNames.OVERLOADED,
          Chunks.MAX_IN_PER_REMOTE + " big messages are arriving from this remote already");
      return;
    }
    long mine = r.chunkBytesIn.get();
    if (mine > 0 && mine + total > maxBufferedBytes / 2) {
      // One link may hold at most half of the budget (but always one message), so that one that
      // announces big messages and stalls cannot have every other link's refused.
      refuse(
          r,
          h,
          ErrorNames.OVERLOADED,
          mine
              + " bytes of big messages are arriving from this remote (at most "
              + maxBufferedBytes / 2
              + " per remote)");
      return;
    }
    if (r.memory.allowance() <= 0) {
      refuse(r, h, ErrorNames.OVERLOADED, r.memory.why(Math.min(total, Chunks.MIN_PROGRESS)));
      return;
    }
    long held = bytesIn.addAndGet(total);
    if (held > maxBufferedBytes && held != total) {
      bytesIn.addAndGet(-total);
      refuse(
          r,
          h,
          ErrorNames.OVERLOADED,
          held - total + " bytes of big messages are arriving (limit " + maxBufferedBytes + ")");
      return;
    }
    Chunks.In in = new Chunks.In(h, direction, r.memory);
    long key = Chunks.key(h.seq(), direction);
    if (r.chunksIn.putIfAbsent(key, in) != null) {
      bytesIn.addAndGet(-total);
      refuse(
          r,
          h,
          ErrorNames.BAD_MESSAGE,
          "duplicate: " + h.method() + " seq " + h.seq() + " is already arriving in chunks");
      return;
    }
    r.chunkBytesIn.addAndGet(total);
    watch(r, key, in);
    sendCredit(r, h, direction, Chunks.WINDOW);
  }

  /**
   * A CHUNK (I/O thread): appends it to its transfer. Returns the whole message once its last chunk
   * came, to be received as if it had come in one piece; null otherwise.
   */
  Envelope chunk(RemoteLink r, Header h, Envelope env) {
    long key = Chunks.key(h.seq(), h.streams());
    Chunks.In in = r.chunksIn.get(key);
    if (in == null
        || !in.header.method().equals(h.method())
        || !in.header.orderKey().equals(h.orderKey())) {
      LOG.debug(
          "{}: a chunk from {} for no transfer in progress ({} seq {})",
          name,
          r.id(),
          h.method(),
          h.seq());
      return null;
    }
    if (!in.fits(env.body())) {
      dropIn(r, key, false);
      refuse(
          r,
          in.header,
          ErrorNames.BAD_MESSAGE,
          "chunks overflow the announced " + in.total() + " bytes");
      return null;
    }
    if (!in.append(env.body())) {
      String why = in.noRoom(env.body());
      dropIn(r, key, false);
      refuse(r, in.header, ErrorNames.OVERLOADED, why);
      return null;
    }
    if (!in.complete()) {
      sendCredit(r, in.header, in.direction, 1);
      return null;
    }
    if (r.chunksIn.remove(key, in)) {
      releaseIn(r, in);
      return in.envelope();
    }
    return null;
  }

  /**
   * Drops a big message that did not progress enough in {@link Chunks#IDLE_TIMEOUT}; re-arms itself
   * otherwise.
   */
  private void watch(RemoteLink r, long key, Chunks.In in) {
    in.watch(
        timer.schedule(
            Chunks.IDLE_TIMEOUT,
            () -> {
              if (r.chunksIn.get(key) != in) {
                return;
              }
              if (in.progressed()) {
                watch(r, key, in);
              } else if (r.chunksIn.remove(key, in)) {
                releaseIn(r, in);
                refuse(
                    r,
                    in.header,
                    ErrorNames.BAD_MESSAGE,
                    "the "
                        + in.total()
                        + "-byte "
                        + in.header.method()
                        + " stalled: less than "
                        + (Chunks.MIN_PROGRESS >> 10)
                        + " KiB of it in "
                        + Chunks.IDLE_TIMEOUT.toSeconds()
                        + " s; the transfer is dropped");
                dropped.run();
              }
            }));
  }

  /**
   * What a transfer that was taken out of {@code r.chunksIn} held: its watch and its bytes in both
   * budgets.
   */
  private void releaseIn(RemoteLink r, Chunks.In in) {
    in.release();
    bytesIn.addAndGet(-in.total());
    r.chunkBytesIn.addAndGet(-in.total());
  }

  /**
   * Refuses a big message before its chunks come: an error reply to a call, a failure for a reply.
   */
  private void refuse(RemoteLink r, Header h, String errorName, String message) {
    LOG.warn(
        "{}: refused a chunked {} from {} ({}): {}", name, h.type(), r.id(), h.method(), message);
    if (h.type() == MessageType.FUNCTION) {
      Replies.sendError(r, h, errorName, message);
    } else {
      replyRefusal.refuse(
          r,
          h,
          errorName.equals(ErrorNames.OVERLOADED)
              ? new OverloadedException(message)
              : new CallosumException(ErrorCode.BAD_MESSAGE, "reply refused: " + message));
    }
    abort(r, h, h.type() == MessageType.FUNCTION ? Chunks.REQUEST : Chunks.REPLY);
  }

  private void sendCredit(RemoteLink r, Header h, int direction, long chunks) {
    try {
      r.link.send(
          new Envelope(
              MessageCodec.encodeHeader(h.stream(MessageType.CHUNK_CREDIT, direction, chunks, 0)),
              MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, null, false)));
    } catch (RuntimeException e) {
      LOG.debug("{}: chunk credit to {} not sent: {}", name, r.id(), e.getMessage());
    }
  }

  /** Tells the sender of a big message to stop (a CHUNK_CREDIT without credit). */
  void abort(RemoteLink r, Header h, int direction) {
    sendCredit(r, h, direction, 0);
  }

  /**
   * Drops a big message arriving in chunks; with {@code tell}, its sender is asked to stop. True if
   * there was one.
   */
  boolean dropIn(RemoteLink r, long key, boolean tell) {
    Chunks.In in = r.chunksIn.remove(key);
    if (in == null) {
      return false;
    }
    releaseIn(r, in);
    if (tell && r.connected) {
      abort(r, in.header, in.direction);
    }
    return true;
  }

  // ---------------------------------------------------------------- ending

  /** A call this peer made has ended: its request stops being sent, its reply stops arriving. */
  void callEnded(RemoteLink r, long seq) {
    if (!r.chunksOut.isEmpty() || !r.chunksIn.isEmpty()) {
      stopOut(r, Chunks.key(seq, Chunks.REQUEST));
      dropIn(r, Chunks.key(seq, Chunks.REPLY), true);
    }
  }

  /** The remote is gone: every transfer to or from it is dropped. */
  void disconnected(RemoteLink r) {
    for (Long key : new ArrayList<>(r.chunksOut.keySet())) {
      stopOut(r, key);
    }
    for (Long key : new ArrayList<>(r.chunksIn.keySet())) {
      dropIn(r, key, false);
    }
  }

  /**
   * Entries beyond the remotes' tables: each budget in use counts one (for the leak checks of
   * tests).
   */
  int entries() {
    return (bytesIn.get() != 0 ? 1 : 0) + (bytesOut.get() != 0 ? 1 : 0);
  }
}
