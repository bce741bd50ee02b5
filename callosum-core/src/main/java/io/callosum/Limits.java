package io.callosum;

/**
 * Bounds on everything a remote can make this peer hold. Immutable; build variants with the
 * {@code with...} methods, e.g. {@code Limits.defaults().withMaxMessageSize(1 << 20)}.
 *
 * @param maxMessageSize largest message (header plus body frame, after decompression) sent or
 *     accepted, in bytes. Outgoing oversize fails locally with {@link MessageTooLargeException};
 *     incoming oversize is answered with an error reply.
 * @param maxHeaderSize largest header frame sent or accepted, in bytes.
 * @param maxOrderKeySize largest order key (its msgpack encoding) sent or accepted, in bytes.
 * @param maxConcurrentCalls handlers that may run at once on this peer (calls nested in a
 *     callback chain do not wait for one of these slots; see {@link Ordering}).
 * @param maxQueuedCalls calls that may wait for a free handler or for their key; beyond {@code
 *     maxConcurrentCalls + maxQueuedCalls} calls in progress, a call is answered with an
 *     "overloaded" error reply.
 * @param maxPendingCalls calls this peer may have in flight as a caller; beyond that {@code
 *     invoke} fails locally with {@link OverloadedException}.
 * @param maxCallChain the longest callback chain carried in the {@code chn} header extension.
 * @param maxNesting deepest nesting of lists and maps accepted when decoding a body.
 * @param maxBufferedBytes request bodies of calls in progress, the upstream windows of their
 *     streams and replies held for return ordering, in bytes; a call that would exceed it is
 *     answered "overloaded" (one call is always accepted when nothing is held). Big messages being
 *     received in chunks, and those being sent in chunks, are bounded by it separately.
 */
public record Limits(
    int maxMessageSize,
    int maxHeaderSize,
    int maxOrderKeySize,
    int maxConcurrentCalls,
    int maxQueuedCalls,
    int maxPendingCalls,
    int maxCallChain,
    int maxNesting,
    long maxBufferedBytes) {

  public Limits {
    positive(maxMessageSize, "maxMessageSize");
    positive(maxHeaderSize, "maxHeaderSize");
    positive(maxOrderKeySize, "maxOrderKeySize");
    positive(maxConcurrentCalls, "maxConcurrentCalls");
    if (maxQueuedCalls < 0) {
      throw new IllegalArgumentException("maxQueuedCalls must be >= 0");
    }
    positive(maxPendingCalls, "maxPendingCalls");
    positive(maxCallChain, "maxCallChain");
    positive(maxNesting, "maxNesting");
    positive(maxBufferedBytes, "maxBufferedBytes");
  }

  private static void positive(long v, String name) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, was " + v);
    }
  }

  /**
   * Sane defaults: 16 MiB messages, 64 KiB headers, 1 KiB order keys, 256 concurrent handlers,
   * 10,000 queued calls, 100,000 pending outgoing calls, chains of 32, nesting depth 128, and
   * 256 MiB of call bodies and held replies.
   */
  public static Limits defaults() {
    return new Limits(16 << 20, 64 << 10, 1 << 10, 256, 10_000, 100_000, 32, 128, 256L << 20);
  }

  public Limits withMaxMessageSize(int v) {
    return new Limits(v, maxHeaderSize, maxOrderKeySize, maxConcurrentCalls, maxQueuedCalls, maxPendingCalls, maxCallChain, maxNesting, maxBufferedBytes);
  }

  public Limits withMaxHeaderSize(int v) {
    return new Limits(maxMessageSize, v, maxOrderKeySize, maxConcurrentCalls, maxQueuedCalls, maxPendingCalls, maxCallChain, maxNesting, maxBufferedBytes);
  }

  public Limits withMaxOrderKeySize(int v) {
    return new Limits(maxMessageSize, maxHeaderSize, v, maxConcurrentCalls, maxQueuedCalls, maxPendingCalls, maxCallChain, maxNesting, maxBufferedBytes);
  }

  public Limits withMaxConcurrentCalls(int v) {
    return new Limits(maxMessageSize, maxHeaderSize, maxOrderKeySize, v, maxQueuedCalls, maxPendingCalls, maxCallChain, maxNesting, maxBufferedBytes);
  }

  public Limits withMaxQueuedCalls(int v) {
    return new Limits(maxMessageSize, maxHeaderSize, maxOrderKeySize, maxConcurrentCalls, v, maxPendingCalls, maxCallChain, maxNesting, maxBufferedBytes);
  }

  public Limits withMaxPendingCalls(int v) {
    return new Limits(maxMessageSize, maxHeaderSize, maxOrderKeySize, maxConcurrentCalls, maxQueuedCalls, v, maxCallChain, maxNesting, maxBufferedBytes);
  }

  public Limits withMaxCallChain(int v) {
    return new Limits(maxMessageSize, maxHeaderSize, maxOrderKeySize, maxConcurrentCalls, maxQueuedCalls, maxPendingCalls, v, maxNesting, maxBufferedBytes);
  }

  public Limits withMaxNesting(int v) {
    return new Limits(maxMessageSize, maxHeaderSize, maxOrderKeySize, maxConcurrentCalls, maxQueuedCalls, maxPendingCalls, maxCallChain, v, maxBufferedBytes);
  }

  public Limits withMaxBufferedBytes(long v) {
    return new Limits(maxMessageSize, maxHeaderSize, maxOrderKeySize, maxConcurrentCalls, maxQueuedCalls, maxPendingCalls, maxCallChain, maxNesting, v);
  }
}
