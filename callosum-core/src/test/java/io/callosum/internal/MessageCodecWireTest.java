package io.callosum.internal;

import static io.callosum.TestBytes.assertEndsWith;
import static io.callosum.TestBytes.assertStartsWith;
import static io.callosum.TestBytes.concat;
import static io.callosum.TestBytes.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.OrderKey;
import io.callosum.lower.Envelope;
import io.callosum.upper.MsgpackCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The header and body frames, byte for byte against the captures of the wire notes (section 11).
 */
class MessageCodecWireTest {
  static final int MAX_OKEY = 1024;
  static final int MAX_CHAIN = 32;
  static final int MAX_BODY = 1 << 20;

  /** {@code invoke("echo", {"a": 1, "b": "two", "c": b"three"})}: header frame[2]. */
  static final byte[] REQUEST_HEADER =
      hex(
          "85 a4 74 79 70 65 01 a4 6d 65 74 68 a4 65 63 68"
              + "6f a4 6f 6b 65 79 c4 00 a3 73 65 71 00 a3 7a 69"
              + "70 c2");

  static final byte[] REQUEST_BODY =
      hex(
          "82 a4 6d 65 74 61 c4 00 a4 62 6f 64 79 c4 13 83"
              + "a1 61 01 a1 62 a3 74 77 6f a1 63 c4 05 74 68 72"
              + "65 65");

  /** The application body inside the request and reply: msgpack({"a":1,"b":"two","c":b"three"}). */
  static final byte[] APP_BODY = hex("83 a1 61 01 a1 62 a3 74 77 6f a1 63 c4 05 74 68 72 65 65");

  static final byte[] RESULT_HEADER =
      hex(
          "85 a4 74 79 70 65 02 a4 6d 65 74 68 a4 65 63 68"
              + "6f a4 6f 6b 65 79 c4 00 a3 73 65 71 00 a3 7a 69"
              + "70 c2");
  static final byte[] RESULT_BODY =
      hex(
          "82 a4 6d 65 74 61 c4 01 90 a4 62 6f 64 79 c4 13"
              + "83 a1 61 01 a1 62 a3 74 77 6f a1 63 c4 05 74 68"
              + "72 65 65");
  static final byte[] CANCEL_HEADER =
      hex(
          "85 a4 74 79 70 65 05 a4 6d 65 74 68 a5 73 6c 65"
              + "65 70 a4 6f 6b 65 79 ab 63 61 6e 63 65 6c 2d 74"
              + "65 73 74 a3 73 65 71 01 a3 7a 69 70 c2");
  static final byte[] CANCELLED_HEADER =
      hex(
          "85 a4 74 79 70 65 06 a4 6d 65 74 68 a5 73 6c 65"
              + "65 70 a4 6f 6b 65 79 a2 63 78 a3 73 65 71 cd 03"
              + "e9 a3 7a 69 70 c2");

  /** The body of CANCEL and CANCELLED: {meta: bin(90), body: nil}. */
  static final byte[] NIL_BODY = hex("82 a4 6d 65 74 61 c4 01 90 a4 62 6f 64 79 c0");

  /** The first 80 bytes of the 604-byte FAILURE body of {@code fail} (ZeroDivisionError). */
  static final byte[] FAILURE_BODY_START =
      hex(
          "82 a4 6d 65 74 61 c5 02 4d 93 b1 5a 65 72 6f 44"
              + "69 76 69 73 69 6f 6e 45 72 72 6f 72 d9 25 5a 65"
              + "72 6f 44 69 76 69 73 69 6f 6e 45 72 72 6f 72 28"
              + "27 64 69 76 69 73 69 6f 6e 20 62 79 20 7a 65 72"
              + "6f 27 29 da 02 10 54 72 61 63 65 62 61 63 6b 20");

  /** Raw snappy of a 151-byte body frame whose body is msgpack({"blob": "ab" * 64}). */
  static final byte[] COMPRESSED_BODY =
      hex(
          "97 01 60 82 a4 6d 65 74 61 c4 00 a4 62 6f 64 79"
              + "c4 88 81 a4 62 6c 6f 62 d9 80 61 62 fe 02 00 f6"
              + "02 00");

  final MsgpackCodec codec = new MsgpackCodec();

  static Header decode(byte[] header) throws BadMessageException {
    return MessageCodec.decodeHeader(header, MAX_OKEY, MAX_CHAIN);
  }

  static Header header(MessageType type, String method, OrderKey okey, long seq, boolean zip) {
    return new Header(type, method, okey, seq, zip, List.of());
  }

  static void assertBytes(byte[] expected, byte[] actual) {
    assertEquals(hex(expected), hex(actual));
  }

  /** Encodes {@code h} to {@code wire} and decodes {@code wire} back to {@code h}. */
  static void assertHeaderWire(Header h, byte[] wire) throws BadMessageException {
    assertBytes(wire, MessageCodec.encodeHeader(h));
    assertEquals(h, decode(wire));
  }

  /** Encodes meta and body to {@code wire} and decodes {@code wire} back to them. */
  static void assertBodyWire(byte[] meta, byte[] body, byte[] wire) throws BadMessageException {
    assertBytes(wire, MessageCodec.encodeBody(meta, body, false));
    MessageCodec.BodyFrame frame = MessageCodec.decodeBody(wire, false, MAX_BODY);
    assertArrayEquals(meta, frame.meta());
    assertArrayEquals(body, frame.body());
  }

  static Map<String, Object> echoArgument() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("a", 1);
    m.put("b", "two");
    m.put("c", "three".getBytes(StandardCharsets.US_ASCII));
    return m;
  }

  // ---------------------------------------------------------------- the captures

  @Test
  void functionRequestHeaderMatchesTheCapture() throws Exception {
    Header h = header(MessageType.FUNCTION, "echo", OrderKey.NONE, 0, false);
    assertEquals(34, REQUEST_HEADER.length);
    assertHeaderWire(h, REQUEST_HEADER);
  }

  @Test
  void functionRequestBodyMatchesTheCaptureWithTheApplicationBodyDoubleEncoded() throws Exception {
    byte[] app = codec.encode(echoArgument());
    assertBytes(APP_BODY, app);
    assertBodyWire(MessageCodec.NO_META, app, REQUEST_BODY);

    Object decoded =
        codec.decode(MessageCodec.decodeBody(REQUEST_BODY, false, MAX_BODY).body(), Object.class);
    Map<?, ?> m = (Map<?, ?>) decoded;
    assertEquals(List.of("a", "b", "c"), List.copyOf(m.keySet()));
    assertEquals(1, m.get("a"));
    assertEquals("two", m.get("b"));
    assertArrayEquals("three".getBytes(StandardCharsets.US_ASCII), (byte[]) m.get("c"));
  }

  @Test
  void resultReplyHeaderAndBodyMatchTheCapture() throws Exception {
    Header request = decode(REQUEST_HEADER);
    assertHeaderWire(request.reply(MessageType.RESULT), RESULT_HEADER);
    assertBodyWire(MessageCodec.EMPTY_ARRAY_META, APP_BODY, RESULT_BODY);
  }

  /** The SHUTDOWN notice, as docs/WIRE.md shows it. */
  @Test
  void shutdownIsItsDocumentedBytes() throws Exception {
    Envelope notice = Replies.shutdown();
    byte[] header =
        hex(
            "85 a4 74 79 70 65 0d a4 6d 65 74 68 a0 a4 6f 6b 65 79 c4 00 a3 73 65 71 00 a3 7a 69"
                + " 70 c2");
    assertHeaderWire(header(MessageType.SHUTDOWN, "", OrderKey.NONE, 0, false), header);
    assertBytes(header, notice.header());
    assertBytes(NIL_BODY, notice.body());
  }

  @Test
  void cancelMatchesTheCaptureWithAStrOrderKey() throws Exception {
    Header h = header(MessageType.CANCEL, "sleep", OrderKey.of("cancel-test"), 1, false);
    assertEquals(45, CANCEL_HEADER.length);
    assertHeaderWire(h, CANCEL_HEADER);
    assertTrue(decode(CANCEL_HEADER).orderKey().isString());
    assertBodyWire(MessageCodec.EMPTY_ARRAY_META, null, NIL_BODY);
  }

  @Test
  void cancelledReplyMatchesTheCaptureWithSeqAsUint16() throws Exception {
    Header request = header(MessageType.FUNCTION, "sleep", OrderKey.of("cx"), 1001, false);
    assertEquals(38, CANCELLED_HEADER.length);
    assertHeaderWire(request.reply(MessageType.CANCELLED), CANCELLED_HEADER);
    assertBodyWire(MessageCodec.EMPTY_ARRAY_META, null, NIL_BODY);
  }

  @Test
  void failureBodyMatchesTheCaptureLayout() throws Exception {
    String name = "ZeroDivisionError";
    String repr = "ZeroDivisionError('division by zero')";
    String start = "Traceback (most recent call last):\n";
    String traceback = start + "x".repeat(527 - start.length()) + "\n";
    assertEquals(528, traceback.length());

    byte[] meta = MessageCodec.encodeErrorMeta(name, repr, traceback);
    assertEquals(589, meta.length);
    byte[] body = MessageCodec.encodeBody(meta, null, false);
    assertEquals(604, body.length);
    assertStartsWith(hex(FAILURE_BODY_START), body);
    assertEndsWith("a4 62 6f 64 79 c0", body);

    MessageCodec.BodyFrame frame = MessageCodec.decodeBody(body, false, MAX_BODY);
    assertNull(frame.body());
    assertArrayEquals(
        new String[] {name, repr, traceback}, MessageCodec.decodeErrorMeta(frame.meta()));
  }

  @Test
  void failureHeaderEchoesTheRequest() throws Exception {
    Header request = header(MessageType.FUNCTION, "fail", OrderKey.NONE, 2, false);
    byte[] wire =
        hex(
            "85 a4 74 79 70 65 03 a4 6d 65 74 68 a4 66 61 69 6c a4 6f 6b 65 79 c4 00 a3 73 65 71 02"
                + " a3 7a 69 70 c2");
    assertHeaderWire(request.reply(MessageType.FAILURE), wire);
  }

  @Test
  void errorMetaUsesTheSmallestStrEncodings() {
    assertBytes(
        hex("93 a1 6e d9 20" + "72".repeat(32) + "da 01 00" + "74".repeat(256)),
        MessageCodec.encodeErrorMeta("n", "r".repeat(32), "t".repeat(256)));
    assertBytes(
        hex("93 a0 bf" + "72".repeat(31) + "d9 ff" + "74".repeat(255)),
        MessageCodec.encodeErrorMeta("", "r".repeat(31), "t".repeat(255)));
  }

  @Test
  void compressedRequestFromTheCaptureDecodesToTheBlobMap() throws Exception {
    MessageCodec.BodyFrame frame = MessageCodec.decodeBody(COMPRESSED_BODY, true, MAX_BODY);
    assertArrayEquals(MessageCodec.NO_META, frame.meta());
    assertEquals(136, frame.body().length);
    Map<?, ?> m = (Map<?, ?>) codec.decode(frame.body(), Object.class);
    assertEquals(Map.of("blob", "ab".repeat(64)), m);
    // The whole decompressed frame is 151 bytes, as the varint 97 01 announces.
    assertEquals(151, MessageCodec.encodeBody(MessageCodec.NO_META, frame.body(), false).length);
  }

  @Test
  void compressedBodyRoundTrips() throws Exception {
    byte[] app = codec.encode(Map.of("blob", "ab".repeat(64)));
    byte[] zipped = MessageCodec.encodeBody(MessageCodec.NO_META, app, true);
    assertStartsWith("97 01", zipped);
    assertTrue(zipped.length < 151);
    MessageCodec.BodyFrame frame = MessageCodec.decodeBody(zipped, true, MAX_BODY);
    assertArrayEquals(MessageCodec.NO_META, frame.meta());
    assertArrayEquals(app, frame.body());
  }

  @Test
  void compressedHeaderCarriesZipTrue() throws Exception {
    Header h = header(MessageType.FUNCTION, "echo", OrderKey.NONE, 0, true);
    byte[] wire = MessageCodec.encodeHeader(h);
    assertEndsWith("a3 7a 69 70 c3", wire);
    assertTrue(decode(wire).zip());
  }

  @Test
  void compressedNilBodyRoundTrips() throws Exception {
    byte[] zipped = MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, null, true);
    MessageCodec.BodyFrame frame = MessageCodec.decodeBody(zipped, true, MAX_BODY);
    assertArrayEquals(MessageCodec.EMPTY_ARRAY_META, frame.meta());
    assertNull(frame.body());
  }

  // ---------------------------------------------------------------- order keys and replies

  @Test
  void strAndBinOrderKeysAreDifferentAndKeepTheirType() throws Exception {
    OrderKey str = OrderKey.of("");
    OrderKey bin = OrderKey.ofBytes(new byte[0]);
    assertBytes(hex("a0"), str.encoded());
    assertBytes(hex("c4 00"), bin.encoded());
    assertNotEquals(str, bin);
    assertEquals(OrderKey.NONE, bin);

    Header fromStr =
        decode(MessageCodec.encodeHeader(header(MessageType.FUNCTION, "m", str, 0, false)));
    Header fromBin =
        decode(MessageCodec.encodeHeader(header(MessageType.FUNCTION, "m", bin, 0, false)));
    assertEquals(str, fromStr.orderKey());
    assertTrue(fromStr.orderKey().isString());
    assertEquals(bin, fromBin.orderKey());
    assertFalse(fromBin.orderKey().isString());
    assertNotEquals(fromStr, fromBin);
  }

  @Test
  void strAndBinKeysWithTheSameBytesDiffer() {
    assertNotEquals(OrderKey.of("k"), OrderKey.ofBytes(new byte[] {'k'}));
    assertEquals(OrderKey.of("k"), OrderKey.of("k"));
    assertEquals(OrderKey.of("k").hashCode(), OrderKey.of("k").hashCode());
    assertEquals("\"k\"", OrderKey.of("k").toString());
    assertEquals("b\"k\"", OrderKey.ofBytes(new byte[] {'k'}).toString());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "c4 00",
        "a0",
        "a3 6b 65 79",
        "c4 03 01 02 03",
        "d9 20 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61"
            + " 61 61 61 61",
        "c0",
        "07",
        "92 01 a1 78"
      })
  void anyOrderKeyTypeIsEchoedExactlyByReplies(String okeyHex) throws Exception {
    byte[] okey = hex(okeyHex);
    byte[] wire =
        concat(
            hex("85 a4 74 79 70 65 01 a4 6d 65 74 68 a1 6d a4 6f 6b 65 79"),
            okey,
            hex("a3 73 65 71 cd 03 e9 a3 7a 69 70 c2"));
    Header request = decode(wire);
    assertBytes(okey, request.orderKey().encoded());
    assertEquals(okey.length, request.orderKey().encodedSize());
    assertBytes(wire, MessageCodec.encodeHeader(request));
    for (MessageType t :
        new MessageType[] {
          MessageType.RESULT, MessageType.FAILURE, MessageType.ERROR, MessageType.CANCELLED
        }) {
      Header reply = decode(MessageCodec.encodeHeader(request.reply(t)));
      assertEquals(t, reply.type());
      assertEquals("m", reply.method());
      assertEquals(request.orderKey(), reply.orderKey());
      assertEquals(1001, reply.seq());
      assertFalse(reply.zip());
      assertEquals(List.of(), reply.chain());
    }
  }

  @Test
  void replyIsUncompressedAndDropsTheChainEvenWhenTheRequestHadThem() {
    Header request =
        new Header(MessageType.FUNCTION, "m", OrderKey.of("k"), 7, true, List.of(new CallId(1, 2)));
    Header reply = request.reply(MessageType.RESULT);
    assertEquals(new Header(MessageType.RESULT, "m", OrderKey.of("k"), 7, false, List.of()), reply);
  }

  // ---------------------------------------------------------------- header details

  @ParameterizedTest
  @CsvSource({
    "0, 00",
    "1, 01",
    "127, 7f",
    "128, cc 80",
    "255, cc ff",
    "256, cd 01 00",
    "1001, cd 03 e9",
    "65535, cd ff ff",
    "65536, ce 00 01 00 00",
    "4294967295, ce ff ff ff ff"
  })
  void seqUsesTheSmallestUnsignedEncoding(long seq, String seqHex) throws Exception {
    Header h = header(MessageType.FUNCTION, "echo", OrderKey.NONE, seq, false);
    byte[] wire =
        concat(
            hex(
                "85 a4 74 79 70 65 01 a4 6d 65 74 68 a4 65 63 68 6f a4 6f 6b 65 79 c4 00 a3 73 65"
                    + " 71"),
            hex(seqHex),
            hex("a3 7a 69 70 c2"));
    assertHeaderWire(h, wire);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "d0 05",
        "d1 00 05",
        "d2 00 00 00 05",
        "d3 00 00 00 00 00 00 00 05",
        "cc 05",
        "cd 00 05",
        "ce 00 00 00 05",
        "cf 00 00 00 00 00 00 00 05"
      })
  void seqAndTypeInAnyIntegerEncodingAreAccepted(String fiveHex) throws Exception {
    byte[] wire =
        concat(
            hex("85 a4 74 79 70 65"),
            hex(fiveHex),
            hex("a4 6d 65 74 68 a1 6d a4 6f 6b 65 79 c4 00 a3 73 65 71"),
            hex(fiveHex),
            hex("a3 7a 69 70 c2"));
    Header h = decode(wire);
    assertEquals(MessageType.CANCEL, h.type());
    assertEquals(5, h.seq());
  }

  @Test
  void everyMessageTypeRoundTrips() throws Exception {
    for (MessageType t : MessageType.values()) {
      if (t == MessageType.NULL) {
        continue;
      }
      Header h = header(t, "m", OrderKey.NONE, 3, false);
      if (t.isStream() || t.isChunk()) {
        boolean credit = t == MessageType.STREAM_CREDIT || t == MessageType.CHUNK_CREDIT;
        h = h.stream(t, Header.DOWNSTREAM, credit ? 16 : 0, credit ? 65536 : 0);
      }
      byte[] wire = MessageCodec.encodeHeader(h);
      assertEquals(t.code, wire[6]);
      assertEquals(h, decode(wire));
    }
  }

  /** The stream extension's keys, byte for byte: {@code stm} and {@code crd} after the five. */
  @Test
  void streamHeaderKeys() throws Exception {
    Header call =
        new Header(
            MessageType.FUNCTION,
            "count",
            OrderKey.NONE,
            7,
            false,
            List.of(),
            Header.UPSTREAM | Header.DOWNSTREAM,
            128,
            4 << 20);
    assertEquals(
        "87 a4 74 79 70 65 01 a4 6d 65 74 68 a5 63 6f 75 6e 74 a4 6f 6b 65 79 c4 00 a3 73 65 71 07"
            + " a3 7a 69 70 c2 a3 73 74 6d 03 a3 63 72 64 92 cc 80 ce 00 40 00 00",
        hex(MessageCodec.encodeHeader(call)));
    assertEquals(call, decode(MessageCodec.encodeHeader(call)));
    Header credit = call.stream(MessageType.STREAM_CREDIT, Header.UPSTREAM, 64, 2 << 20);
    assertEquals(
        "87 a4 74 79 70 65 08 a4 6d 65 74 68 a5 63 6f 75 6e 74 a4 6f 6b 65 79 c4 00 a3 73 65 71 07"
            + " a3 7a 69 70 c2 a3 73 74 6d 01 a3 63 72 64 92 40 ce 00 20 00 00",
        hex(MessageCodec.encodeHeader(credit)));
    Header item = call.stream(MessageType.STREAM_ITEM, Header.DOWNSTREAM, 0, 0);
    assertEquals(
        "86 a4 74 79 70 65 07 a4 6d 65 74 68 a5 63 6f 75 6e 74 a4 6f 6b 65 79 c4 00 a3 73 65 71 07"
            + " a3 7a 69 70 c2 a3 73 74 6d 02",
        hex(MessageCodec.encodeHeader(item)));
  }

  /** The chunk extension's key, byte for byte, and its misuse refused. */
  @Test
  void chunkHeaderKey() throws Exception {
    Header big =
        new Header(MessageType.FUNCTION, "put", OrderKey.NONE, 9, false, List.of())
            .chunked(300_000);
    assertEquals(
        "86 a4 74 79 70 65 01 a4 6d 65 74 68 a3 70 75 74 a4 6f 6b 65 79 c4 00 a3 73 65 71 09 a3 7a"
            + " 69 70 c2 a3 63 68 6b ce 00 04 93 e0",
        hex(MessageCodec.encodeHeader(big)));
    assertEquals(big, decode(MessageCodec.encodeHeader(big)));
    String base = "a4 6d 65 74 68 a1 6d a4 6f 6b 65 79 c4 00 a3 73 65 71 01 a3 7a 69 70 c2";
    for (String[] c :
        new String[][] {
          {"86 a4 74 79 70 65 05 " + base + " a3 63 68 6b 10", "chk in a message of type CANCEL"},
          {"86 a4 74 79 70 65 01 " + base + " a3 63 68 6b 00", "chk out of range"},
          {"86 a4 74 79 70 65 01 " + base + " a3 63 68 6b ce 80 00 00 00", "chk out of range"},
          {"86 a4 74 79 70 65 01 " + base + " a3 63 68 6b a1 31", "chk is not an integer"},
          {"86 a4 74 79 70 65 0b " + base + " a3 63 68 6b 10", "must name one direction"}
        }) {
      BadMessageException e =
          Assertions.assertThrows(BadMessageException.class, () -> decode(hex(c[0])), c[0]);
      Assertions.assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
    }
  }

  /**
   * Keys are compared in the frame's bytes when they are fixstrs; the same keys written as str8
   * (legal msgpack, if unusual) decode the same, and body keys likewise.
   */
  @Test
  void keysWrittenAsStr8DecodeLikeFixstrs() throws Exception {
    Header h = new Header(MessageType.FUNCTION, "m", OrderKey.NONE, 1, false, List.of());
    assertEquals(
        h,
        decode(
            hex(
                "85 d9 04 74 79 70 65 01 a4 6d 65 74 68 a1 6d d9 04 6f 6b 65 79 c4 00"
                    + " d9 03 73 65 71 01 a3 7a 69 70 c2")));
    MessageCodec.BodyFrame body =
        MessageCodec.decodeBody(
            hex("82 d9 04 6d 65 74 61 c4 01 90 d9 04 62 6f 64 79 c4 01 07"), false, 1 << 20);
    assertEquals("90", hex(body.meta()));
    assertEquals("07", hex(body.body()));
  }

  /** An integer beyond a long (uint64 of 2^63 or more) is out of range, not an overflow error. */
  @Test
  void seqBeyondALongIsOutOfRange() {
    BadMessageException e =
        Assertions.assertThrows(
            BadMessageException.class,
            () ->
                decode(
                    hex(
                        "85 a4 74 79 70 65 01 a4 6d 65 74 68 a1 6d a4 6f 6b 65 79 c4 00 a3 73 65 71"
                            + " cf 80 00 00 00 00 00 00 00 a3 7a 69 70 c2")));
    Assertions.assertTrue(
        e.getMessage().contains("seq out of range: 2^63-1 or more"), e.getMessage());
  }

  /** Stream keys that do not fit are refused with a clear reason. */
  @Test
  void malformedStreamKeysAreRefused() {
    String base =
        "a4 74 79 70 65 07 a4 6d 65 74 68 a1 6d a4 6f 6b 65 79 c4 00 a3 73 65 71 01 a3 7a 69 70 c2";
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("85 " + base, "must name one direction"); // a stream message without stm
    cases.put("86 " + base + " a3 73 74 6d 03", "must name one direction"); // both streams
    cases.put("86 " + base + " a3 73 74 6d 04", "stm out of range");
    cases.put("86 " + base + " a3 73 74 6d 00", "stm out of range");
    cases.put("86 " + base + " a3 73 74 6d a1 31", "stm is not an integer");
    cases.put("87 " + base + " a3 73 74 6d 02 a3 63 72 64 91 01", "crd is not [items, bytes]");
    cases.put(
        "87 " + base + " a3 73 74 6d 02 a3 63 72 64 93 01 02 03", "crd is not [items, bytes]");
    cases.put("87 " + base + " a3 73 74 6d 02 a3 63 72 64 92 ff 01", "crd out of range");
    cases.put(
        "87 " + base + " a3 73 74 6d 02 a3 63 72 64 92 cf ff ff ff ff ff ff ff ff 01",
        "crd out of range");
    cases.put("87 " + base + " a3 73 74 6d 02 a3 63 72 64 c0", "crd is not an array");
    cases.put("87 " + base + " a3 73 74 6d 02 a3 63 72 64 dd ff ff ff ff", "malformed header");
    for (Entry<String, String> c : cases.entrySet()) {
      BadMessageException e =
          Assertions.assertThrows(
              BadMessageException.class, () -> decode(hex(c.getKey())), c.getKey());
      Assertions.assertTrue(
          e.getMessage().contains(c.getValue())
              || (c.getValue().equals("malformed header") && e.getMessage().contains("container")),
          c.getKey() + " -> " + e.getMessage());
    }
  }

  @Test
  void keyOrderDoesNotMatterAndExtraKeysAreIgnored() throws Exception {
    byte[] wire =
        hex(
            "87 a3 7a 69 70 c2 a3 73 65 71 01 a1 78 92 c0 81 a1 79 c3 a4 6f 6b 65 79 a2 63 78"
                + "a4 6d 65 74 68 a5 73 6c 65 65 70 01 02 a4 74 79 70 65 06");
    assertEquals(header(MessageType.CANCELLED, "sleep", OrderKey.of("cx"), 1, false), decode(wire));
  }

  @Test
  void methodNamesKeepUnicodeAndLength() throws Exception {
    String method = "méthode." + "x".repeat(300) + "\u2603";
    Header h = header(MessageType.FUNCTION, method, OrderKey.of("ключ"), 9, false);
    assertEquals(h, decode(MessageCodec.encodeHeader(h)));
  }

  @Test
  void headerWithoutChainIsExactlyFiveEntries() {
    byte[] wire =
        MessageCodec.encodeHeader(header(MessageType.FUNCTION, "m", OrderKey.NONE, 0, false));
    assertEquals((byte) 0x85, wire[0]);
    assertFalse(new String(wire, StandardCharsets.ISO_8859_1).contains("chn"));
  }

  @Test
  void chainExtensionRoundTripsAsAnArrayOf12ByteBins() throws Exception {
    List<CallId> chain =
        List.of(
            new CallId(0x0102030405060708L, 0x0a0b0c0dL),
            new CallId(-1, Header.MAX_SEQ),
            new CallId(0, 0));
    Header h = new Header(MessageType.FUNCTION, "m", OrderKey.NONE, 5, false, chain);
    byte[] wire = MessageCodec.encodeHeader(h);
    byte[] expected =
        hex(
            "86 a4 74 79 70 65 01 a4 6d 65 74 68 a1 6d a4 6f 6b 65 79 c4 00 a3 73 65 71 05 a3 7a 69"
                + " 70 c2a3 63 68 6e 93c4 0c 01 02 03 04 05 06 07 08 0a 0b 0c 0dc4 0c ff ff ff ff"
                + " ff ff ff ff ff ff ff ffc4 0c 00 00 00 00 00 00 00 00 00 00 00 00");
    assertBytes(expected, wire);
    Header back = decode(wire);
    assertEquals(h, back);
    assertEquals(chain, back.chain());
  }

  @Test
  void chainUpToTheLimitIsAccepted() throws Exception {
    List<CallId> chain = new ArrayList<>();
    for (int i = 0; i < MAX_CHAIN; i++) {
      chain.add(new CallId(i, i));
    }
    Header h = new Header(MessageType.FUNCTION, "m", OrderKey.NONE, 5, false, chain);
    assertEquals(h, decode(MessageCodec.encodeHeader(h)));
  }

  @Test
  void emptyChainIsAcceptedOnInput() throws Exception {
    byte[] wire = concat(REQUEST_HEADER, hex("a3 63 68 6e 90"));
    wire[0] = (byte) 0x86;
    assertEquals(decode(REQUEST_HEADER), decode(wire));
  }

  @Test
  void callIdEncodesInstanceAndSeqBigEndian() {
    CallId id = new CallId(0x0102030405060708L, 0xfffffffeL);
    byte[] b = id.encode();
    assertBytes(hex("01 02 03 04 05 06 07 08 ff ff ff fe"), b);
    assertEquals(id, CallId.decode(b));
    assertNull(CallId.decode(new byte[11]));
    assertNull(CallId.decode(new byte[13]));
    assertThrows(IllegalArgumentException.class, () -> new CallId(1, -1));
    assertThrows(IllegalArgumentException.class, () -> new CallId(1, Header.MAX_SEQ + 1));
  }

  @Test
  void headerRefusesNullsAndSeqOutsideUint32() {
    assertThrows(NullPointerException.class, () -> header(null, "m", OrderKey.NONE, 0, false));
    assertThrows(
        NullPointerException.class,
        () -> header(MessageType.FUNCTION, null, OrderKey.NONE, 0, false));
    assertThrows(
        NullPointerException.class, () -> header(MessageType.FUNCTION, "m", null, 0, false));
    assertThrows(
        IllegalArgumentException.class,
        () -> header(MessageType.FUNCTION, "m", OrderKey.NONE, -1, false));
    assertThrows(
        IllegalArgumentException.class,
        () -> header(MessageType.FUNCTION, "m", OrderKey.NONE, Header.MAX_SEQ + 1, false));
  }

  // ---------------------------------------------------------------- body details

  @Test
  void resultAndCancelledAcceptEmptyMetaAsWellAsEmptyArray() throws Exception {
    byte[] wire = hex("82 a4 6d 65 74 61 c4 00 a4 62 6f 64 79 c4 01 c0");
    MessageCodec.BodyFrame frame = MessageCodec.decodeBody(wire, false, MAX_BODY);
    assertArrayEquals(new byte[0], frame.meta());
    assertArrayEquals(hex("c0"), frame.body());
  }

  @Test
  void bodyKeyOrderDoesNotMatterAndExtraKeysAreIgnored() throws Exception {
    byte[] wire =
        hex(
            "84 a4 62 6f 64 79 c4 01 2a a1 78 de 00 01 01 92 c0 c0 01 a1 79 a4 6d 65 74 61 c4 01"
                + " 90");
    MessageCodec.BodyFrame frame = MessageCodec.decodeBody(wire, false, MAX_BODY);
    assertArrayEquals(MessageCodec.EMPTY_ARRAY_META, frame.meta());
    assertArrayEquals(hex("2a"), frame.body());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 255, 256, 65535, 65536, 70000})
  void bodyFrameSizeIsTheEncodedSize(int size) throws Exception {
    byte[] body = new byte[size];
    Arrays.fill(body, (byte) 7);
    for (byte[] meta :
        new byte[][] {MessageCodec.NO_META, MessageCodec.EMPTY_ARRAY_META, new byte[300]}) {
      byte[] frame = MessageCodec.encodeBody(meta, body, false);
      assertEquals(frame.length, MessageCodec.bodyFrameSize(meta.length, size));
      MessageCodec.BodyFrame back = MessageCodec.decodeBody(frame, false, MAX_BODY);
      assertArrayEquals(body, back.body());
      assertArrayEquals(meta, back.meta());
    }
  }

  @Test
  void bodyFrameSizeOfTheLargestBodiesDoesNotOverflow() {
    // The map's marker, its two 5-byte keys, the bin headers (2 or 5 bytes each), the bytes.
    long body = Integer.MAX_VALUE - 10;
    assertEquals(1 + 5 + 2 + 5 + 5 + body, MessageCodec.bodyFrameSize(0, (int) body));
    assertEquals(
        1 + 5 + 5 + 5 + 5 + 2L * Integer.MAX_VALUE,
        MessageCodec.bodyFrameSize(Integer.MAX_VALUE, Integer.MAX_VALUE));
  }

  @Test
  void largeCompressedBodyRoundTripsWithinTheLimit() throws Exception {
    byte[] body = codec.encode(Map.of("rows", Collections.nCopies(10_000, "row")));
    byte[] zipped = MessageCodec.encodeBody(MessageCodec.NO_META, body, true);
    int size = MessageCodec.encodeBody(MessageCodec.NO_META, body, false).length;
    assertArrayEquals(body, MessageCodec.decodeBody(zipped, true, size).body());
    assertThrows(BadMessageException.class, () -> MessageCodec.decodeBody(zipped, true, size - 1));
  }

  @Test
  void errorMetaRoundTripsUnicode() {
    String[] meta = {"ValueError", "ValueError('naïve ☃')", "Traceback:\n  ✓\n"};
    assertArrayEquals(
        meta,
        MessageCodec.decodeErrorMeta(MessageCodec.encodeErrorMeta(meta[0], meta[1], meta[2])));
    assertNotNull(MessageCodec.decodeErrorMeta(hex("93 a0 a0 a0")));
  }

  /** The extensions {@code md} and {@code dl} as docs/WIRE.md shows them. */
  @Test
  void metadataAndDeadlineAsTheWireNotesShowThem() throws Exception {
    Header h =
        new Header(MessageType.FUNCTION, "echo", OrderKey.NONE, 0, false, List.of())
            .withExtras(
                io.callosum.Metadata.builder()
                    .put("tenant", "acme")
                    .put("tok", new byte[] {1, 2})
                    .build(),
                5000);
    byte[] frame =
        hex(
            "87 a4 74 79 70 65 01 a4 6d 65 74 68 a4 65 63 68 6f a4 6f 6b 65 79 c4 00 a3 73 65 71 00"
                + " a3 7a 69 70 c2 a2 6d 64 82 a6 74 65 6e 61 6e 74 a4 61 63 6d 65 a3 74 6f 6b c4"
                + " 02 01 02 a2 64 6c cd 13 88");
    assertArrayEquals(frame, MessageCodec.encodeHeader(h));
    assertEquals(h, MessageCodec.decodeHeader(frame, MAX_OKEY, MAX_CHAIN));
  }
}
