package io.callosum.testing;

import io.callosum.OrderKey;
import io.callosum.internal.FanoutHeader;
import io.callosum.internal.Header;
import io.callosum.internal.MessageCodec;
import io.callosum.internal.MessageType;
import java.util.List;

/**
 * The header and body frames of the wire (docs/WIRE.md) for tests of a lower that play a remote by
 * hand over that lower's own medium (e.g. Redis stream entries written with a plain client): a
 * lower's tests cannot reach the core's internal codec themselves.
 */
public final class WireFrames {
  private WireFrames() {}

  /** A call's header frame, as Python Callosum sends it (no extensions). */
  public static byte[] callHeader(String method, long seq) {
    return MessageCodec.encodeHeader(
        new Header(MessageType.FUNCTION, method, OrderKey.NONE, seq, false, List.of()));
  }

  /** A request's body frame around {@code appBody} (already encoded by the upper). */
  public static byte[] requestBody(byte[] appBody) {
    return MessageCodec.encodeBody(MessageCodec.NO_META, appBody, false);
  }

  /** The RESULT header answering {@code requestHeader}. */
  public static byte[] resultHeader(byte[] requestHeader) throws Exception {
    return MessageCodec.encodeHeader(
        MessageCodec.decodeHeader(requestHeader, 1024, 32).reply(MessageType.RESULT));
  }

  /** A RESULT's body frame around {@code appBody}, as Python Callosum sends it. */
  public static byte[] resultBody(byte[] appBody) {
    return MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, appBody, false);
  }

  /** The message type of a header frame ({@code "FUNCTION"}, {@code "RESULT"}, ...). */
  public static String type(byte[] header) throws Exception {
    return MessageCodec.decodeHeader(header, 1024, 32).type().name();
  }

  /** The method named by a header frame. */
  public static String method(byte[] header) throws Exception {
    return MessageCodec.decodeHeader(header, 1024, 32).method();
  }

  /** The sequence number of a header frame. */
  public static long seq(byte[] header) throws Exception {
    return MessageCodec.decodeHeader(header, 1024, 32).seq();
  }

  /** The application body inside an uncompressed body frame. */
  public static byte[] appBody(byte[] body) throws Exception {
    return MessageCodec.decodeBody(body, false, 1 << 20).body();
  }

  /** A fan-out item header of {@code sender}, number {@code sequence}. */
  public static byte[] itemHeader(long sender, long sequence) {
    return new FanoutHeader(sender, sequence).encode();
  }
}
