package io.callosum;

/**
 * Bounds on everything a remote can make this peer hold. Immutable; build one with {@link
 * #builder()} (which starts from the defaults), e.g. {@code Limits.builder().maxMessageSize(1 <<
 * 20).build()}, or derive a variant with {@link #toBuilder()}.
 *
 * @param maxMessageSize largest message (header plus body frame, after decompression) sent or
 *     accepted, in bytes. Outgoing oversize fails locally with {@link MessageTooLargeException};
 *     incoming oversize is answered with an error reply.
 * @param maxHeaderSize largest header frame sent or accepted, in bytes.
 * @param maxOrderKeySize largest order key (its msgpack encoding) sent or accepted, in bytes.
 * @param maxConcurrentCalls handlers that may run at once on this peer (calls nested in a callback
 *     chain do not wait for one of these slots; see {@link Ordering}). Remotes share them fairly: a
 *     slot that frees goes to the waiting remote running the fewest calls per unit of weight
 *     ({@link Peer.Options#shareWeights}); a remote alone may use them all (docs/LIMITS.md).
 * @param maxQueuedCalls calls that may wait for a free handler or for their key; beyond {@code
 *     maxConcurrentCalls + maxQueuedCalls} calls in progress, a call is answered with an
 *     "overloaded" error reply, unless another remote holds more calls (per unit of weight): then
 *     that remote's newest waiting call is cut, answered "overloaded", and the new call waits in
 *     its place.
 * @param maxPendingCalls calls this peer may have in flight as a caller; beyond that {@code invoke}
 *     fails locally with {@link OverloadedException}.
 * @param maxCallChain the longest callback chain carried in the {@code chn} header extension.
 * @param maxNesting deepest nesting of lists and maps accepted when decoding a body.
 * @param maxElements most msgpack values one body may decode into, and one header or body frame may
 *     hold: every value counts, at any depth — each list and map, each element, each map key and
 *     value. A few bytes on the wire can decode into an object each (an empty list is one byte);
 *     this bounds what one message becomes in memory, as the message size bounds its bytes. A body
 *     over it fails to decode ({@link CodecException} naming this limit, which reaches the caller
 *     as a {@code CODEC_ERROR} reply when a handler decodes it); a frame over it is refused as
 *     malformed ({@code BAD_MESSAGE}). The check is cheap: it counts declared sizes as it walks and
 *     stops at the first container that takes the count past the limit.
 * @param maxBufferedBytes request bodies of calls in progress, the upstream windows of their
 *     streams and replies held for return ordering, in bytes; a call that would exceed it is
 *     answered "overloaded" (one call is always accepted when nothing is held). Big messages being
 *     received in chunks, and those being sent in chunks, are bounded by it separately.
 * @param maxMetadataEntries most entries of a call's or a reply's {@link Metadata}, sent or
 *     accepted. More fails a call locally with {@link MessageTooLargeException}; an incoming call
 *     with more is answered with a {@code BAD_MESSAGE} error naming this limit, and an incoming
 *     reply with more fails its call alike.
 * @param maxMetadataSize largest {@link Metadata} of a call or a reply, in bytes of its msgpack
 *     encoding (keys and values), sent or accepted; past it, as for {@code maxMetadataEntries}.
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
    int maxElements,
    long maxBufferedBytes,
    int maxMetadataEntries,
    int maxMetadataSize) {

  /** Default {@link #maxMetadataEntries()}: 64. */
  public static final int DEFAULT_MAX_METADATA_ENTRIES = 64;

  /** Default {@link #maxMetadataSize()}: 8 KiB. */
  public static final int DEFAULT_MAX_METADATA_SIZE = 8 << 10;

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
    positive(maxElements, "maxElements");
    positive(maxBufferedBytes, "maxBufferedBytes");
    positive(maxMetadataEntries, "maxMetadataEntries");
    positive(maxMetadataSize, "maxMetadataSize");
  }

  private static void positive(long v, String name) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, was " + v);
    }
  }

  /**
   * Sane defaults: 16 MiB messages, 64 KiB headers, 1 KiB order keys, 256 concurrent handlers,
   * 10,000 queued calls, 100,000 pending outgoing calls, chains of 32, nesting depth 128, 1,000,000
   * values per message, 256 MiB of call bodies and held replies, and metadata of 64 entries in 8
   * KiB.
   */
  public static Limits defaults() {
    return new Limits(
        16 << 20,
        64 << 10,
        1 << 10,
        256,
        10_000,
        100_000,
        32,
        128,
        1_000_000,
        256L << 20,
        DEFAULT_MAX_METADATA_ENTRIES,
        DEFAULT_MAX_METADATA_SIZE);
  }

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return defaults().toBuilder();
  }

  /** A builder starting from these limits, to derive a variant. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Derives {@link Limits}: every setter replaces one bound, {@link #build()} checks them all (the
   * same checks as the constructor). Not thread-safe; build on one thread.
   */
  public static final class Builder {
    private int maxMessageSize;
    private int maxHeaderSize;
    private int maxOrderKeySize;
    private int maxConcurrentCalls;
    private int maxQueuedCalls;
    private int maxPendingCalls;
    private int maxCallChain;
    private int maxNesting;
    private int maxElements;
    private long maxBufferedBytes;
    private int maxMetadataEntries;
    private int maxMetadataSize;

    private Builder(Limits from) {
      maxMessageSize = from.maxMessageSize;
      maxHeaderSize = from.maxHeaderSize;
      maxOrderKeySize = from.maxOrderKeySize;
      maxConcurrentCalls = from.maxConcurrentCalls;
      maxQueuedCalls = from.maxQueuedCalls;
      maxPendingCalls = from.maxPendingCalls;
      maxCallChain = from.maxCallChain;
      maxNesting = from.maxNesting;
      maxElements = from.maxElements;
      maxBufferedBytes = from.maxBufferedBytes;
      maxMetadataEntries = from.maxMetadataEntries;
      maxMetadataSize = from.maxMetadataSize;
    }

    /** See {@link Limits#maxMessageSize()}. */
    public Builder maxMessageSize(int v) {
      maxMessageSize = v;
      return this;
    }

    /** See {@link Limits#maxHeaderSize()}. */
    public Builder maxHeaderSize(int v) {
      maxHeaderSize = v;
      return this;
    }

    /** See {@link Limits#maxOrderKeySize()}. */
    public Builder maxOrderKeySize(int v) {
      maxOrderKeySize = v;
      return this;
    }

    /** See {@link Limits#maxConcurrentCalls()}. */
    public Builder maxConcurrentCalls(int v) {
      maxConcurrentCalls = v;
      return this;
    }

    /** See {@link Limits#maxQueuedCalls()}. */
    public Builder maxQueuedCalls(int v) {
      maxQueuedCalls = v;
      return this;
    }

    /** See {@link Limits#maxPendingCalls()}. */
    public Builder maxPendingCalls(int v) {
      maxPendingCalls = v;
      return this;
    }

    /** See {@link Limits#maxCallChain()}. */
    public Builder maxCallChain(int v) {
      maxCallChain = v;
      return this;
    }

    /** See {@link Limits#maxNesting()}. */
    public Builder maxNesting(int v) {
      maxNesting = v;
      return this;
    }

    /** See {@link Limits#maxElements()}. */
    public Builder maxElements(int v) {
      maxElements = v;
      return this;
    }

    /** See {@link Limits#maxBufferedBytes()}. */
    public Builder maxBufferedBytes(long v) {
      maxBufferedBytes = v;
      return this;
    }

    /** See {@link Limits#maxMetadataEntries()}. */
    public Builder maxMetadataEntries(int v) {
      maxMetadataEntries = v;
      return this;
    }

    /** See {@link Limits#maxMetadataSize()}. */
    public Builder maxMetadataSize(int v) {
      maxMetadataSize = v;
      return this;
    }

    /** The limits; throws {@link IllegalArgumentException} naming the first bound out of range. */
    public Limits build() {
      return new Limits(
          maxMessageSize,
          maxHeaderSize,
          maxOrderKeySize,
          maxConcurrentCalls,
          maxQueuedCalls,
          maxPendingCalls,
          maxCallChain,
          maxNesting,
          maxElements,
          maxBufferedBytes,
          maxMetadataEntries,
          maxMetadataSize);
    }
  }
}
