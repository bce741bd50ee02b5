package io.callosum.internal;

import io.callosum.Metadata;
import io.callosum.OrderKey;
import java.util.List;
import java.util.Objects;

/**
 * A decoded or to-be-encoded header frame: the five keys of Python Callosum plus the extensions
 * this project adds (sent only to peers that announced them).
 *
 * @param type message type
 * @param method {@code meth}
 * @param orderKey {@code okey}, with its exact msgpack encoding
 * @param seq {@code seq}, the caller's sequence number, 0 to {@link #MAX_SEQ}
 * @param zip whether the body frame is raw-snappy compressed
 * @param chain extension {@code chn}: ancestors of this call, oldest first; empty if absent
 * @param streams extension {@code stm}: in a FUNCTION, which streams the call opens ({@link
 *     #UPSTREAM}, {@link #DOWNSTREAM}, both or 0); in a stream message, the one stream it is about
 * @param creditItems extension {@code crd} (first element): items granted to the sender of a stream
 *     (a FUNCTION's initial downstream credit, or a STREAM_CREDIT's grant); 0 if absent
 * @param creditBytes extension {@code crd} (second element): bytes granted alike
 * @param chunkTotal extension {@code chk}: in a FUNCTION or RESULT, the length of its body frame,
 *     which follows in CHUNK messages (the envelope's own body is empty); 0 if absent
 * @param metadata extension {@code md}: in a FUNCTION, RESULT or FAILURE, the call's or the reply's
 *     metadata; empty if absent
 * @param deadlineMillis extension {@code dl}: in a FUNCTION, the milliseconds left of the caller's
 *     deadline, 1 to {@link #MAX_DEADLINE_MILLIS}; 0 if absent
 */
public record Header(
    MessageType type,
    String method,
    OrderKey orderKey,
    long seq,
    boolean zip,
    List<CallId> chain,
    int streams,
    long creditItems,
    long creditBytes,
    long chunkTotal,
    Metadata metadata,
    long deadlineMillis) {
  /** The largest {@code seq}: Python Callosum counts modulo 2^32. */
  public static final long MAX_SEQ = 0xffffffffL;

  /** The stream from the caller to the handler. */
  public static final int UPSTREAM = 1;

  /** The stream from the handler to the caller. */
  public static final int DOWNSTREAM = 2;

  /** The largest credit a single {@code crd} grants (items or bytes). */
  public static final long MAX_CREDIT = 1L << 40;

  /**
   * The longest deadline a call carries (about 24.8 days): a longer one is sent as none, and one
   * received is read as this.
   */
  public static final long MAX_DEADLINE_MILLIS = Integer.MAX_VALUE;

  public Header {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(orderKey, "orderKey");
    if (seq < 0 || seq > MAX_SEQ) {
      throw new IllegalArgumentException("seq out of range: " + seq);
    }
    chain = List.copyOf(chain);
    if (streams < 0 || streams > (UPSTREAM | DOWNSTREAM)) {
      throw new IllegalArgumentException("streams out of range: " + streams);
    }
    if (creditItems < 0
        || creditBytes < 0
        || creditItems > MAX_CREDIT
        || creditBytes > MAX_CREDIT) {
      throw new IllegalArgumentException(
          "credit out of range: " + creditItems + ", " + creditBytes);
    }
    if (chunkTotal < 0 || chunkTotal > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("chunk total out of range: " + chunkTotal);
    }
    Objects.requireNonNull(metadata, "metadata");
    if (deadlineMillis < 0 || deadlineMillis > MAX_DEADLINE_MILLIS) {
      throw new IllegalArgumentException("deadline out of range: " + deadlineMillis);
    }
  }

  /** A header with the stream and chunk extensions, without metadata or deadline. */
  public Header(
      MessageType type,
      String method,
      OrderKey orderKey,
      long seq,
      boolean zip,
      List<CallId> chain,
      int streams,
      long creditItems,
      long creditBytes,
      long chunkTotal) {
    this(
        type,
        method,
        orderKey,
        seq,
        zip,
        chain,
        streams,
        creditItems,
        creditBytes,
        chunkTotal,
        Metadata.EMPTY,
        0);
  }

  /** A header with the stream extensions and no chunking. */
  public Header(
      MessageType type,
      String method,
      OrderKey orderKey,
      long seq,
      boolean zip,
      List<CallId> chain,
      int streams,
      long creditItems,
      long creditBytes) {
    this(type, method, orderKey, seq, zip, chain, streams, creditItems, creditBytes, 0);
  }

  /** This header announcing that its body frame of {@code total} bytes follows in chunks. */
  public Header chunked(long total) {
    return with(total, metadata, deadlineMillis);
  }

  /** This header as it reads once its chunks are joined. */
  public Header unchunked() {
    return chunked(0);
  }

  /** This header with the extensions {@code md} and {@code dl} (0: no deadline). */
  public Header withExtras(Metadata metadata, long deadlineMillis) {
    return with(chunkTotal, metadata, deadlineMillis);
  }

  private Header with(long chunkTotal, Metadata metadata, long deadlineMillis) {
    return new Header(
        type,
        method,
        orderKey,
        seq,
        zip,
        chain,
        streams,
        creditItems,
        creditBytes,
        chunkTotal,
        metadata,
        deadlineMillis);
  }

  /** A header of Python Callosum's five keys plus the call chain. */
  public Header(
      MessageType type,
      String method,
      OrderKey orderKey,
      long seq,
      boolean zip,
      List<CallId> chain) {
    this(type, method, orderKey, seq, zip, chain, 0, 0, 0);
  }

  /** A stream message about stream {@code direction} of the call this header belongs to. */
  public Header stream(MessageType streamType, int direction, long items, long bytes) {
    return new Header(streamType, method, orderKey, seq, false, List.of(), direction, items, bytes);
  }

  /** A reply header echoing this request's method, order key and sequence number. */
  public Header reply(MessageType replyType) {
    return new Header(replyType, method, orderKey, seq, false, List.of());
  }
}
