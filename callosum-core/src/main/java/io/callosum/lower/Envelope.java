package io.callosum.lower;

/**
 * One message as a lower moves it: the header frame and the body frame, opaque to the lower. The
 * arrays are owned by the envelope once handed over; nobody changes them afterwards.
 *
 * @param header the encoded header (msgpack map)
 * @param body the encoded body (msgpack map, snappy-compressed when the header says {@code zip})
 */
public record Envelope(byte[] header, byte[] body) {
  /** Header plus body bytes. */
  public long size() {
    return (long) header.length + body.length;
  }
}
