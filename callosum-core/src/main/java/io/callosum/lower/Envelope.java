package io.callosum.lower;

/**
 * One message as a lower moves it: the header frame and the body frame, opaque to the lower. The
 * arrays are owned by the envelope once handed over; nobody changes them afterwards.
 *
 * <p>A large body may come in two pieces sent back to back ({@link #ofPieces}): a small head (the
 * body frame's msgpack before its payload) and the payload as the application handed it over, so
 * that a sender need not copy a large payload into a frame of its own. A lower that writes pieces
 * (gathering writes) reads {@link #bodyHead} and {@link #bodyTail}; any other reads {@link #body},
 * which joins them once, on the first call. Immutable; any thread.
 */
public final class Envelope {
  private static final byte[] NONE = new byte[0];

  private final byte[] header;
  private final byte[] bodyHead;
  private final byte[] bodyTail;

  /** The pieces joined, on the first call of {@link #body} (never for a body of one array). */
  private volatile byte[] joined;

  /**
   * @param header the encoded header (msgpack map)
   * @param body the encoded body (msgpack map, snappy-compressed when the header says {@code zip})
   */
  public Envelope(byte[] header, byte[] body) {
    this.header = header;
    this.bodyHead = NONE;
    this.bodyTail = body;
  }

  private Envelope(byte[] header, byte[] bodyHead, byte[] bodyTail) {
    this.header = header;
    this.bodyHead = bodyHead;
    this.bodyTail = bodyTail;
  }

  /** An envelope whose body is {@code bodyHead} followed by {@code bodyTail}, not joined. */
  public static Envelope ofPieces(byte[] header, byte[] bodyHead, byte[] bodyTail) {
    return bodyHead.length == 0
        ? new Envelope(header, bodyTail)
        : new Envelope(header, bodyHead, bodyTail);
  }

  /** The encoded header (msgpack map). */
  public byte[] header() {
    return header;
  }

  /** The encoded body as one array: itself, or its pieces joined once. */
  public byte[] body() {
    if (bodyHead.length == 0) {
      return bodyTail;
    }
    byte[] b = joined;
    if (b == null) {
      b = new byte[bodyHead.length + bodyTail.length];
      System.arraycopy(bodyHead, 0, b, 0, bodyHead.length);
      System.arraycopy(bodyTail, 0, b, bodyHead.length, bodyTail.length);
      joined = b; // a benign race: every join is equal
    }
    return b;
  }

  /** The body's first piece: empty when the body is one array. */
  public byte[] bodyHead() {
    return bodyHead;
  }

  /** The body's second piece, or the whole body when it is one array. */
  public byte[] bodyTail() {
    return bodyTail;
  }

  /** The body's length in bytes, without joining its pieces. */
  public int bodyLength() {
    return bodyHead.length + bodyTail.length;
  }

  /** Header plus body bytes. */
  public long size() {
    return (long) header.length + bodyLength();
  }

  @Override
  public String toString() {
    return "Envelope(" + header.length + " + " + bodyLength() + " bytes)";
  }
}
