package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.callosum.Limits;
import io.callosum.OrderKey;
import io.callosum.testing.FuzzInput;
import io.callosum.testing.FuzzSeeds;
import io.callosum.testing.ThreadAllocation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fuzz targets of the header and body frames a remote sends (docs/FUZZING.md). Decoding throws
 * nothing but {@link BadMessageException}, allocates at most a bound linear in the frame (plus the
 * body limit for a compressed body), and what decodes encodes back to bytes that decode equal; a
 * partial header kept for an ERROR reply can be answered. The usual headers, read and written in
 * their bytes ({@link CanonicalHeader}), read and write as the general msgpack code does.
 */
class MessageCodecFuzzTest {
  private static final int MAX_OKEY = 64;
  private static final int MAX_CHAIN = 4;
  private static final int MAX_BODY = 4096;
  private static final int MAX_VALUES = Limits.defaults().maxElements();

  /**
   * What a decode may allocate beyond its linear bound: small objects, an exception's stack trace.
   */
  static final long SLACK = 256 << 10;

  @FuzzTest
  void header(byte[] frame) throws Exception {
    Header[] decoded = new Header[1];
    try {
      ThreadAllocation.atMost(
          SLACK + 16L * frame.length,
          "decodeHeader",
          () -> decoded[0] = MessageCodec.decodeHeader(frame, MAX_OKEY, MAX_CHAIN));
    } catch (BadMessageException e) {
      Header partial = e.header();
      if (partial != null) {
        // Dispatcher answers a readable FUNCTION with an ERROR reply, and fails the call of a
        // reply.
        assertTrue(
            partial.type() == MessageType.FUNCTION || partial.type().isReply(), partial::toString);
        MessageCodec.encodeHeader(partial.reply(MessageType.ERROR));
      }
      assertThrows(BadMessageException.class, () -> general(frame), "the general code refuses it");
      return;
    }
    Header h = decoded[0];
    assertEquals(general(frame), h, "read as the general code (not CanonicalHeader) reads it");
    assertTrue(h.chain().size() <= MAX_CHAIN, "chain within the limit");
    assertTrue(h.orderKey().encodedSize() <= MAX_OKEY, "okey within the limit");
    assertEquals(
        h,
        MessageCodec.decodeHeader(MessageCodec.encodeHeader(h), MAX_OKEY, MAX_CHAIN),
        "re-encoded header");
  }

  /** A header frame read by {@link HeaderCodec}'s general code, with decodeHeader's limits. */
  private static Header general(byte[] frame) throws BadMessageException {
    return HeaderCodec.decode(
        frame,
        MAX_OKEY,
        MAX_CHAIN,
        MAX_VALUES,
        Limits.DEFAULT_MAX_METADATA_ENTRIES,
        Limits.DEFAULT_MAX_METADATA_SIZE,
        false);
  }

  /** First byte: the {@code zip} flag (bit 0); the rest is the body frame. */
  @FuzzTest
  void body(byte[] data) throws Exception {
    if (data.length == 0) {
      return;
    }
    boolean zip = (data[0] & 1) != 0;
    byte[] frame = java.util.Arrays.copyOfRange(data, 1, data.length);
    MessageCodec.BodyFrame[] decoded = new MessageCodec.BodyFrame[1];
    try {
      ThreadAllocation.atMost(
          SLACK + 16L * frame.length + (zip ? 4L * MAX_BODY : 0),
          "decodeBody",
          () -> decoded[0] = MessageCodec.decodeBody(frame, zip, MAX_BODY));
    } catch (BadMessageException e) {
      if (!zip) {
        assertThrows(BadMessageException.class, () -> BodyCodec.general(frame, MAX_VALUES));
      }
      return;
    }
    MessageCodec.BodyFrame b = decoded[0];
    if (!zip) {
      MessageCodec.BodyFrame general = BodyCodec.general(frame, MAX_VALUES);
      assertArrayEquals(general.meta(), b.meta(), "meta as the general code reads it");
      assertArrayEquals(general.body(), b.body(), "body as the general code reads it");
    }
    int size = b.meta().length + (b.body() == null ? 0 : b.body().length);
    assertTrue(size <= (zip ? MAX_BODY : frame.length), "meta and body fit in what was decoded");
    MessageCodec.BodyFrame again =
        MessageCodec.decodeBody(MessageCodec.encodeBody(b.meta(), b.body(), zip), zip, MAX_BODY);
    assertArrayEquals(b.meta(), again.meta());
    assertArrayEquals(b.body(), again.body());
  }

  /**
   * ErrorMetadata of FAILURE and ERROR replies and failed streams: null unless three str, never an
   * exception.
   */
  @FuzzTest
  void errorMeta(byte[] meta) throws Exception {
    String[][] decoded = new String[1][];
    ThreadAllocation.atMost(
        SLACK + 16L * meta.length,
        "decodeErrorMeta",
        () -> decoded[0] = MessageCodec.decodeErrorMeta(meta));
    if (decoded[0] != null) {
      String[] m = decoded[0];
      assertArrayEquals(
          m, MessageCodec.decodeErrorMeta(MessageCodec.encodeErrorMeta(m[0], m[1], m[2])));
    }
  }

  /**
   * decode(encode(h)) == h and decode(encode(body)) == body for headers and bodies made from the
   * input; a header is written as msgpack-core's packer writes it.
   */
  @FuzzTest
  void generated(byte[] data) throws Exception {
    FuzzInput in = new FuzzInput(data);
    Header h = header(in);
    assertArrayEquals(HeaderCodec.encodeWithPacker(h), MessageCodec.encodeHeader(h));
    assertEquals(h, MessageCodec.decodeHeader(MessageCodec.encodeHeader(h), 1 << 20, 1024));
    byte[] meta = in.chunk();
    byte[] body = in.bool() ? null : in.chunk();
    boolean zip = in.bool();
    MessageCodec.BodyFrame b =
        MessageCodec.decodeBody(MessageCodec.encodeBody(meta, body, zip), zip, 1 << 20);
    assertArrayEquals(meta, b.meta());
    assertArrayEquals(body, b.body());
  }

  /** A header that the encoder accepts, chosen by the input. */
  static Header header(FuzzInput in) {
    MessageType[] types = MessageType.values();
    MessageType type = types[1 + in.below(types.length - 1)];
    String method = new String(in.chunk(), StandardCharsets.UTF_8);
    OrderKey okey =
        switch (in.below(3)) {
          case 0 -> OrderKey.NONE;
          case 1 -> OrderKey.of(new String(in.chunk(), StandardCharsets.UTF_8));
          default -> OrderKey.ofBytes(in.chunk());
        };
    long seq = in.u32() & Header.MAX_SEQ;
    boolean zip = in.bool();
    List<CallId> chain = new ArrayList<>();
    for (int i = in.below(4); i > 0; i--) {
      chain.add(new CallId(in.u64(), in.u32() & Header.MAX_SEQ));
    }
    int streams = type.isStream() || type.isChunk() ? 1 + in.below(2) : in.below(4);
    long items = in.u64() & (Header.MAX_CREDIT - 1);
    long bytes = in.u64() & (Header.MAX_CREDIT - 1);
    long chunk =
        type == MessageType.FUNCTION || type == MessageType.RESULT
            ? in.u32() & Integer.MAX_VALUE
            : 0;
    return new Header(type, method, okey, seq, zip, chain, streams, items, bytes, chunk);
  }

  @Test
  void seeds() {
    Map<String, byte[]> headers = new LinkedHashMap<>();
    headers.put("request", MessageCodecWireTest.REQUEST_HEADER);
    headers.put("result", MessageCodecWireTest.RESULT_HEADER);
    headers.put("cancel", MessageCodecWireTest.CANCEL_HEADER);
    headers.put("cancelled", MessageCodecWireTest.CANCELLED_HEADER);
    Header call =
        new Header(
            MessageType.FUNCTION,
            "add",
            OrderKey.of("k"),
            7,
            false,
            List.of(new CallId(42, 3)),
            3,
            8,
            1 << 20,
            0);
    headers.put("stream-call", MessageCodec.encodeHeader(call));
    headers.put(
        "stream-credit",
        MessageCodec.encodeHeader(
            call.stream(MessageType.STREAM_CREDIT, Header.DOWNSTREAM, 4, 4096)));
    headers.put("chunked", MessageCodec.encodeHeader(call.chunked(5000)));
    Map<String, byte[]> bodies = new LinkedHashMap<>();
    bodies.put("request", prefixed(0, MessageCodecWireTest.REQUEST_BODY));
    bodies.put("result", prefixed(0, MessageCodecWireTest.RESULT_BODY));
    bodies.put("nil", prefixed(0, MessageCodecWireTest.NIL_BODY));
    bodies.put("compressed", prefixed(1, MessageCodecWireTest.COMPRESSED_BODY));
    bodies.put(
        "error",
        prefixed(
            0,
            MessageCodec.encodeBody(
                MessageCodec.encodeErrorMeta("ValueError", "ValueError('x')", "tb"), null, false)));
    Map<String, byte[]> metas = new LinkedHashMap<>();
    metas.put(
        "error", MessageCodec.encodeErrorMeta("ValueError", "ValueError('x')", "Traceback ..."));
    metas.put("empty-array", MessageCodec.EMPTY_ARRAY_META);
    Map<String, byte[]> generated = new LinkedHashMap<>();
    generated.put(
        "call",
        new FuzzInput.Writer()
            .u8(0)
            .chunk("echo".getBytes(StandardCharsets.UTF_8))
            .u8(1)
            .chunk("key".getBytes(StandardCharsets.UTF_8))
            .u32(9)
            .u8(0)
            .u8(1)
            .u64(42)
            .u32(1)
            .u8(3)
            .u64(16)
            .u64(65536)
            .u32(0)
            .chunk(new byte[0])
            .u8(0)
            .chunk(MessageCodecWireTest.APP_BODY)
            .u8(1)
            .toByteArray());
    FuzzSeeds.check(
        getClass(),
        Map.of("header", headers, "body", bodies, "errorMeta", metas, "generated", generated));
  }

  private static byte[] prefixed(int first, byte[] rest) {
    byte[] b = new byte[rest.length + 1];
    b[0] = (byte) first;
    System.arraycopy(rest, 0, b, 1, rest.length);
    return b;
  }
}
