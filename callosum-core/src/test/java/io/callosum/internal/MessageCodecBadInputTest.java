package io.callosum.internal;

import static io.callosum.TestBytes.assertAllocatesAtMost;
import static io.callosum.TestBytes.concat;
import static io.callosum.TestBytes.hex;
import static io.callosum.TestBytes.repeat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.Limits;
import io.callosum.Metadata;
import io.callosum.OrderKey;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.xerial.snappy.Snappy;

/**
 * Malformed header and body frames: each must end in {@link BadMessageException}, quickly and
 * without large allocations, carrying the request's header exactly when an ERROR reply can be
 * addressed (a FUNCTION whose meth, okey and seq were readable).
 */
class MessageCodecBadInputTest {
  static final int MAX_OKEY = MessageCodecWireTest.MAX_OKEY;
  static final int MAX_CHAIN = MessageCodecWireTest.MAX_CHAIN;
  static final int MAX_BODY = MessageCodecWireTest.MAX_BODY;

  /** Far below what any hostile declared size would need, well above what a frame here needs. */
  static final long SMALL_ALLOCATION = 256 << 10;

  static final byte[] REQUEST_HEADER = MessageCodecWireTest.REQUEST_HEADER;
  static final byte[] REQUEST_BODY = MessageCodecWireTest.REQUEST_BODY;
  static final Header ECHO =
      new Header(MessageType.FUNCTION, "echo", OrderKey.NONE, 0, false, List.of());

  /** The entries of a valid FUNCTION header, as raw msgpack, in Python's order. */
  static Map<String, String> entries() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("type", "01");
    m.put("meth", "a4 65 63 68 6f");
    m.put("okey", "c4 00");
    m.put("seq", "00");
    m.put("zip", "c2");
    return m;
  }

  /** A header map of raw msgpack entries (keys as fixstr). */
  static byte[] header(Map<String, String> entries) {
    StringBuilder s = new StringBuilder(String.format("de %04x", entries.size()));
    for (Map.Entry<String, String> e : entries.entrySet()) {
      s.append(String.format(" %02x", 0xa0 | e.getKey().length()));
      for (char c : e.getKey().toCharArray()) {
        s.append(String.format(" %02x", (int) c));
      }
      s.append(' ').append(e.getValue());
    }
    return hex(s.toString());
  }

  /** The valid FUNCTION header with {@code key} set to {@code valueHex}, or removed if null. */
  static byte[] with(String key, String valueHex) {
    Map<String, String> m = entries();
    if (valueHex == null) {
      m.remove(key);
    } else {
      m.put(key, valueHex);
    }
    return header(m);
  }

  /** The same with a different message type. */
  static byte[] with(String type, String key, String valueHex) {
    Map<String, String> m = entries();
    m.put("type", type);
    m.put(key, valueHex);
    return header(m);
  }

  static BadMessageException badHeader(byte[] frame, int maxChain) {
    BadMessageException e =
        assertThrows(
            BadMessageException.class, () -> MessageCodec.decodeHeader(frame, MAX_OKEY, maxChain));
    assertNotNull(e.getMessage());
    return e;
  }

  static BadMessageException badHeader(byte[] frame) {
    return badHeader(frame, MAX_CHAIN);
  }

  static BadMessageException badBody(byte[] frame, boolean zip, int maxSize) {
    BadMessageException e =
        assertThrows(BadMessageException.class, () -> MessageCodec.decodeBody(frame, zip, maxSize));
    assertNotNull(e.getMessage());
    assertNull(e.header());
    return e;
  }

  static BadMessageException badBody(byte[] frame) {
    return badBody(frame, false, MAX_BODY);
  }

  // ---------------------------------------------------------------- the builder itself

  @Test
  void theTestBuilderMakesAValidHeader() throws Exception {
    assertEquals(ECHO, MessageCodec.decodeHeader(header(entries()), MAX_OKEY, MAX_CHAIN));
  }

  // ---------------------------------------------------------------- truncation

  @Test
  void everyTruncatedHeaderIsRefusedAndAddressableOnlyOnceSeqWasRead() {
    // REQUEST_HEADER: seq's value is byte 28, so from 29 bytes on meth, okey and seq are known.
    for (int n = 0; n < REQUEST_HEADER.length; n++) {
      BadMessageException e = badHeader(Arrays.copyOf(REQUEST_HEADER, n));
      if (n >= 29) {
        assertEquals(ECHO, e.header(), "prefix of " + n);
      } else {
        assertNull(e.header(), "prefix of " + n);
      }
    }
  }

  @Test
  void truncatedRepliesAreAddressableOnlyOnceSeqWasReadAndCancelNever() throws Exception {
    for (byte[] wire :
        List.of(
            MessageCodecWireTest.CANCEL_HEADER,
            MessageCodecWireTest.CANCELLED_HEADER,
            MessageCodecWireTest.RESULT_HEADER)) {
      Header full = MessageCodec.decodeHeader(wire, MAX_OKEY, MAX_CHAIN);
      boolean seen = false;
      for (int n = 0; n < wire.length; n++) {
        Header h = badHeader(Arrays.copyOf(wire, n)).header();
        if (full.type() == MessageType.CANCEL) {
          assertNull(h, "a CANCEL is never answered");
        } else if (h != null) {
          seen = true;
          assertEquals(full.reply(full.type()), h, "prefix of " + n);
        } else {
          assertFalse(seen, "once addressable, longer prefixes stay addressable (" + n + ")");
        }
      }
    }
  }

  @Test
  void everyTruncatedBodyIsRefused() {
    for (byte[] wire :
        List.of(REQUEST_BODY, MessageCodecWireTest.RESULT_BODY, MessageCodecWireTest.NIL_BODY)) {
      for (int n = 0; n < wire.length; n++) {
        badBody(Arrays.copyOf(wire, n));
      }
    }
  }

  @Test
  void everyTruncatedCompressedBodyIsRefused() {
    byte[] wire = MessageCodecWireTest.COMPRESSED_BODY;
    for (int n = 0; n < wire.length; n++) {
      badBody(Arrays.copyOf(wire, n), true, MAX_BODY);
    }
  }

  // ---------------------------------------------------------------- header shape

  @ParameterizedTest
  @ValueSource(
      strings = {
        "c0",
        "90",
        "95 01 a4 65 63 68 6f c4 00 00 c2",
        "a4 74 79 70 65",
        "c4 00",
        "01",
        "c1",
        "80"
      })
  void headerThatIsNotAValidMapIsRefused(String frame) {
    assertNull(badHeader(hex(frame)).header());
  }

  @Test
  void trailingBytesAfterTheHeaderAreRefusedButAddressable() {
    assertEquals(ECHO, badHeader(concat(REQUEST_HEADER, hex("c0"))).header());
    assertEquals(ECHO, badHeader(concat(REQUEST_HEADER, REQUEST_HEADER)).header());
  }

  @Test
  void headerWithTooManyEntriesIsRefused() {
    Map<String, String> m = entries();
    for (int i = 0; i < 40; i++) {
      m.put("x" + (char) ('a' + i % 26) + (char) ('a' + i / 26), "c0");
    }
    assertNull(badHeader(header(m)).header());
  }

  @ParameterizedTest
  @ValueSource(strings = {"df 80 00 00 00", "df ff ff ff ff", "df 7f ff ff ff", "de ff ff"})
  void map32HeaderClaimingHugeCountsIsRefusedWithoutAllocating(String start) {
    byte[] frame = concat(hex(start), hex("a4 74 79 70 65 01"));
    assertNull(badHeader(frame).header());
    assertAllocatesAtMost(
        SMALL_ALLOCATION, () -> MessageCodec.decodeHeader(frame, MAX_OKEY, MAX_CHAIN));
  }

  // ---------------------------------------------------------------- wrong types and missing keys

  static Stream<Arguments> wrongTypes() {
    return Stream.of(
        // name, frame, addressable (a FUNCTION whose meth, okey and seq could be read)
        Arguments.of("type as str", with("type", "a1 31"), false),
        Arguments.of("type as nil", with("type", "c0"), false),
        Arguments.of("type as bool", with("type", "c3"), false),
        Arguments.of("type as float", with("type", "cb 3f f0 00 00 00 00 00 00"), false),
        Arguments.of("type 0 (NULL)", with("type", "00"), false),
        Arguments.of("type 7", with("type", "07"), false),
        Arguments.of("type 255", with("type", "cc ff"), false),
        Arguments.of("type 2^32", with("type", "cf 00 00 00 01 00 00 00 00"), false),
        Arguments.of("type 2^64-1", with("type", "cf ff ff ff ff ff ff ff ff"), false),
        Arguments.of("type -1", with("type", "ff"), false),
        Arguments.of("type min int64", with("type", "d3 80 00 00 00 00 00 00 00"), false),
        Arguments.of("meth as bin", with("meth", "c4 04 65 63 68 6f"), false),
        Arguments.of("meth as int", with("meth", "01"), false),
        Arguments.of("meth as nil", with("meth", "c0"), false),
        Arguments.of("meth as array", with("meth", "91 a4 65 63 68 6f"), false),
        Arguments.of("meth with malformed UTF-8", with("meth", "a2 c3 28"), false),
        Arguments.of("meth with a lone surrogate", with("meth", "a3 ed a0 80"), false),
        Arguments.of("seq negative", with("seq", "ff"), false),
        Arguments.of("seq min int64", with("seq", "d3 80 00 00 00 00 00 00 00"), false),
        Arguments.of("seq as str", with("seq", "a1 30"), false),
        Arguments.of("seq as float", with("seq", "ca 00 00 00 00"), false),
        Arguments.of("seq as bool", with("seq", "c2"), false),
        Arguments.of("seq 2^32", with("seq", "cf 00 00 00 01 00 00 00 00"), false),
        Arguments.of("seq 2^64-1", with("seq", "cf ff ff ff ff ff ff ff ff"), false),
        Arguments.of("zip as int", with("zip", "00"), true),
        Arguments.of("zip as nil", with("zip", "c0"), true),
        Arguments.of("zip as str", with("zip", "a4 74 72 75 65"), true),
        Arguments.of("chn as bin", with("chn", "c4 0c 00 00 00 00 00 00 00 00 00 00 00 00"), true),
        Arguments.of("chn as map", with("chn", "80"), true),
        Arguments.of("okey unused format c1", with("okey", "c1"), false),
        Arguments.of("value unused format c1", with("x", "c1"), true),
        Arguments.of("missing type", with("type", null), false),
        Arguments.of("missing meth", with("meth", null), false),
        Arguments.of("missing okey", with("okey", null), false),
        Arguments.of("missing seq", with("seq", null), false),
        Arguments.of("missing zip", with("zip", null), true),
        Arguments.of("CANCEL with zip as int", with("05", "zip", "00"), false),
        Arguments.of("RESULT with meth as bin", with("02", "meth", "c4 01 6d"), false),
        Arguments.of("empty map", hex("80"), false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wrongTypes")
  void malformedHeaderIsRefusedWithAHeaderOnlyWhenAddressable(
      String name, byte[] frame, boolean addressable) {
    BadMessageException e = badHeader(frame);
    if (addressable) {
      assertEquals(ECHO, e.header());
    } else {
      assertNull(e.header());
    }
  }

  @Test
  void addressableHeaderKeepsTheRequestsOrderKeyTypeAndSeq() {
    Map<String, String> m = entries();
    m.put("okey", "a2 63 78");
    m.put("seq", "cd 03 e9");
    m.put("zip", "01");
    Header h = badHeader(header(m)).header();
    assertEquals(
        new Header(MessageType.FUNCTION, "echo", OrderKey.of("cx"), 1001, false, List.of()), h);
    assertEquals(MessageType.ERROR, h.reply(MessageType.ERROR).type());
  }

  // ---------------------------------------------------------------- order key limit

  @Test
  void orderKeyLargerThanTheLimitIsRefused() throws Exception {
    String key = "c5 04 00 " + "61 ".repeat(1024);
    Header refused = badHeader(with("okey", key)).header();
    assertEquals(
        1027, refused.orderKey().encodedSize(), "kept, so that the ERROR reply can echo it");
    // its encoding is 1027 bytes: exactly at a limit of 1027 it is fine
    Header h = MessageCodec.decodeHeader(with("okey", key), 1027, MAX_CHAIN);
    assertEquals(1027, h.orderKey().encodedSize());
    assertThrows(
        BadMessageException.class,
        () -> MessageCodec.decodeHeader(with("okey", key), 1026, MAX_CHAIN));
  }

  @Test
  void orderKeyContainersAreMeasuredByTheirWholeEncoding() {
    String key = "92 c4 ff " + "00 ".repeat(255) + "c4 ff " + "00 ".repeat(255);
    assertThrows(
        BadMessageException.class,
        () -> MessageCodec.decodeHeader(with("okey", key), 300, MAX_CHAIN));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "c6 7f ff ff ff 61",
        "c6 ff ff ff ff",
        "db 7f ff ff ff 61",
        "dd 7f ff ff ff 01",
        "df 7f ff ff ff 01 02",
        "c9 7f ff ff ff 01 02"
      })
  void orderKeyClaimingMoreThanTheFrameIsRefusedWithoutAllocating(String key) {
    byte[] frame = with("okey", key);
    assertNull(badHeader(frame).header());
    assertAllocatesAtMost(
        SMALL_ALLOCATION, () -> MessageCodec.decodeHeader(frame, Integer.MAX_VALUE, MAX_CHAIN));
  }

  // ---------------------------------------------------------------- bounded skipping of unknown
  // keys

  static Stream<String> bombs() {
    return Stream.of(
        "dd 7f ff ff ff",
        "dd ff ff ff ff",
        "df 7f ff ff ff",
        "df 40 00 00 00 c0 c0",
        "dc ff ff c0",
        "de ff ff c0 c0",
        "91 91 91 df 7f ff ff ff",
        "92 dd 00 01 00 00 c0",
        "81 c0 dd 7f ff ff ff",
        "df 00 00 00 01 dd 7f ff ff ff dd 7f ff ff ff",
        "c6 7f ff ff ff",
        "db ff ff ff ff",
        "c9 7f ff ff ff 01",
        "91 c6 7f ff ff ff");
  }

  @ParameterizedTest
  @MethodSource("bombs")
  void bombsInsideAnUnknownKeyAreRefusedWithoutAllocating(String bomb) {
    byte[] frame = with("x", bomb);
    assertEquals(ECHO, badHeader(frame).header());
    assertAllocatesAtMost(
        SMALL_ALLOCATION, () -> MessageCodec.decodeHeader(frame, MAX_OKEY, MAX_CHAIN));
  }

  @ParameterizedTest
  @MethodSource("bombs")
  void bombsAsANonStrKeyAreRefusedWithoutAllocating(String bomb) {
    byte[] frame =
        concat(
            hex("86"),
            hex(bomb),
            hex("c0"),
            Arrays.copyOfRange(REQUEST_HEADER, 1, REQUEST_HEADER.length));
    assertNull(badHeader(frame).header());
    assertAllocatesAtMost(
        SMALL_ALLOCATION, () -> MessageCodec.decodeHeader(frame, MAX_OKEY, MAX_CHAIN));
  }

  @ParameterizedTest
  @MethodSource("bombs")
  void bombsInTheBodyAreRefusedWithoutAllocating(String bomb) {
    byte[] frame =
        concat(
            hex("83 a1 78"), hex(bomb), Arrays.copyOfRange(REQUEST_BODY, 1, REQUEST_BODY.length));
    badBody(frame);
    assertAllocatesAtMost(SMALL_ALLOCATION, () -> MessageCodec.decodeBody(frame, false, MAX_BODY));
  }

  /**
   * The values a frame's reader walks count against {@code Limits.maxElements}: an unknown key's
   * array of twenty is twenty-one (and a header's order key one more); a frame past the limit is
   * refused, naming it, and the same frame passes with room for it.
   */
  @Test
  void aFrameOfMoreValuesThanTheLimitIsRefusedNamingIt() throws Exception {
    String twenty = "dc 00 14" + " 01".repeat(20);
    byte[] header = with("x", twenty);
    assertEquals(ECHO, MessageCodec.decodeHeader(header, MAX_OKEY, MAX_CHAIN, 22));
    BadMessageException h =
        assertThrows(
            BadMessageException.class,
            () -> MessageCodec.decodeHeader(header, MAX_OKEY, MAX_CHAIN, 21));
    assertTrue(h.getMessage().contains("Limits.maxElements"), h.getMessage());
    assertEquals(ECHO, h.header(), "a call refused so can still be answered");

    byte[] body =
        concat(
            hex("83 a1 78"), hex(twenty), Arrays.copyOfRange(REQUEST_BODY, 1, REQUEST_BODY.length));
    MessageCodec.decodeBody(body, false, MAX_BODY, 21);
    BadMessageException b =
        assertThrows(
            BadMessageException.class, () -> MessageCodec.decodeBody(body, false, MAX_BODY, 20));
    assertTrue(b.getMessage().contains("Limits.maxElements"), b.getMessage());
  }

  @Test
  void deeplyNestedUnknownValueIsSkippedWithoutRecursion() throws Exception {
    String deep = hex(repeat(0x91, 200_000));
    assertEquals(ECHO, MessageCodec.decodeHeader(with("x", deep + " c0"), MAX_OKEY, MAX_CHAIN));
    assertEquals(ECHO, badHeader(with("x", deep)).header());
  }

  // ---------------------------------------------------------------- chn

  static final String ID = "c4 0c 00 00 00 00 00 00 00 01 00 00 00 02";

  static Stream<Arguments> badChains() {
    return Stream.of(
        Arguments.of("11-byte entry", "91 c4 0b" + " 00".repeat(11)),
        Arguments.of("13-byte entry", "91 c4 0d" + " 00".repeat(13)),
        Arguments.of("empty entry", "91 c4 00"),
        Arguments.of("entry as str", "91 ac" + " 61".repeat(12)),
        Arguments.of("entry as int", "91 01"),
        Arguments.of("entry as nil", "92 " + ID + " c0"),
        Arguments.of("entry as array", "91 91 " + ID),
        Arguments.of("good then bad", "92 " + ID + " c4 01 00"),
        Arguments.of("33 entries", "dc 00 21" + (" " + ID).repeat(33)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badChains")
  void malformedChainIsRefusedButAddressable(String name, String chn) {
    assertEquals(ECHO, badHeader(with("chn", chn)).header());
  }

  @Test
  void chainEntriesInAnyBinEncodingAreAccepted() throws Exception {
    String chn =
        "92 c5 00 0c 00 00 00 00 00 00 00 01 00 00 00 02 c6 00 00 00 0c 00 00 00 00 00 00 00 01 00"
            + " 00 00 02";
    assertEquals(
        List.of(new CallId(1, 2), new CallId(1, 2)),
        MessageCodec.decodeHeader(with("chn", chn), MAX_OKEY, MAX_CHAIN).chain());
  }

  @Test
  void chainLongerThanTheLimitIsRefused() throws Exception {
    String three = "93" + (" " + ID).repeat(3);
    assertEquals(3, MessageCodec.decodeHeader(with("chn", three), MAX_OKEY, 3).chain().size());
    assertEquals(ECHO, badHeader(with("chn", three), 2).header());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "dd 7f ff ff ff",
        "dd ff ff ff ff",
        "dc ff ff",
        "dd 00 10 00 00 " + ID,
        "91 c6 7f ff ff ff",
        "91 c5 ff ff"
      })
  void chainClaimingMoreThanTheFrameIsRefusedWithoutAllocatingEvenWithoutALimit(String chn) {
    byte[] frame = with("chn", chn);
    assertEquals(ECHO, badHeader(frame, Integer.MAX_VALUE).header());
    assertAllocatesAtMost(
        SMALL_ALLOCATION, () -> MessageCodec.decodeHeader(frame, MAX_OKEY, Integer.MAX_VALUE));
  }

  // ---------------------------------------------------------------- metadata and deadline

  static final Limits SMALL_METADATA =
      Limits.builder().maxMetadataEntries(2).maxMetadataSize(32).build();

  static BadMessageException badHeader(byte[] frame, Limits limits) {
    BadMessageException e =
        assertThrows(BadMessageException.class, () -> MessageCodec.decodeHeader(frame, limits));
    assertNotNull(e.getMessage());
    return e;
  }

  static Stream<Arguments> badMetadata() {
    return Stream.of(
        Arguments.of("not a map", "01"),
        Arguments.of("int key", "81 01 a1 61"),
        Arguments.of("empty key", "81 a0 a1 61"),
        Arguments.of("nil value", "81 a1 6b c0"),
        Arguments.of("array value", "81 a1 6b 91 01"),
        Arguments.of("map value", "81 a1 6b 80"),
        Arguments.of("bad UTF-8 value", "81 a1 6b a1 ff"),
        Arguments.of("three entries", "83 a1 61 a1 31 a1 62 a1 32 a1 63 a1 33"),
        Arguments.of("33 bytes", "81 a1 6b d9 1d" + " 78".repeat(29)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badMetadata")
  void malformedOrOversizeMetadataIsRefusedButAddressable(String name, String md) {
    assertEquals(ECHO, badHeader(with("md", md), SMALL_METADATA).header());
  }

  @Test
  void metadataOverALimitIsRefusedNamingIt() throws Exception {
    String three = "83 a1 61 a1 31 a1 62 a1 32 a1 63 a1 33";
    String tooMany = badHeader(with("md", three), SMALL_METADATA).getMessage();
    assertTrue(
        tooMany.contains("metadata of 3 entries exceeds Limits.maxMetadataEntries (2)"), tooMany);
    String big = "81 a1 6b d9 1d" + " 78".repeat(29);
    String tooBig = badHeader(with("md", big), SMALL_METADATA).getMessage();
    assertTrue(tooBig.contains("metadata of 34 bytes exceeds Limits.maxMetadataSize (32)"), tooBig);
    String fits = "82 a1 61 a1 31 a1 62 c4 01 02";
    Metadata md = MessageCodec.decodeHeader(with("md", fits), SMALL_METADATA).metadata();
    assertEquals(Metadata.builder().put("a", "1").put("b", new byte[] {2}).build(), md);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"df 7f ff ff ff", "df ff ff ff ff", "de ff ff", "81 a1 6b c6 7f ff ff ff"})
  void metadataClaimingMoreThanTheFrameIsRefusedWithoutAllocating(String md) {
    byte[] frame = with("md", md);
    Limits unlimited =
        Limits.builder()
            .maxMetadataEntries(Integer.MAX_VALUE)
            .maxMetadataSize(Integer.MAX_VALUE)
            .build();
    assertEquals(ECHO, badHeader(frame, unlimited).header());
    assertAllocatesAtMost(SMALL_ALLOCATION, () -> MessageCodec.decodeHeader(frame, unlimited));
  }

  @Test
  void deadlinesAreClampedAndNegativeOrNonIntegerOnesRefused() throws Exception {
    assertEquals(
        Header.MAX_DEADLINE_MILLIS,
        MessageCodec.decodeHeader(with("dl", "cf ff ff ff ff ff ff ff ff"), MAX_OKEY, MAX_CHAIN)
            .deadlineMillis(),
        "the largest uint64 is read as the longest deadline");
    assertEquals(
        1,
        MessageCodec.decodeHeader(with("dl", "00"), MAX_OKEY, MAX_CHAIN).deadlineMillis(),
        "0 is read as 1 ms");
    assertEquals(
        5000,
        MessageCodec.decodeHeader(with("dl", "cd 13 88"), MAX_OKEY, MAX_CHAIN).deadlineMillis());
    for (String bad : List.of("ff", "d3 80 00 00 00 00 00 00 00", "a1 31", "c0", "91 01")) {
      assertEquals(ECHO, badHeader(with("dl", bad)).header(), bad);
    }
  }

  // ---------------------------------------------------------------- body

  @ParameterizedTest
  @ValueSource(
      strings = {"", "c0", "90", "92 c4 00 c0", "a4 62 6f 64 79", "c4 02 82 a4", "01", "c1"})
  void bodyThatIsNotAMapIsRefused(String frame) {
    badBody(hex(frame));
  }

  static Stream<Arguments> badBodies() {
    return Stream.of(
        Arguments.of("meta as array (not bin)", "82 a4 6d 65 74 61 90 a4 62 6f 64 79 c0"),
        Arguments.of("meta as str", "82 a4 6d 65 74 61 a0 a4 62 6f 64 79 c0"),
        Arguments.of("meta as nil", "82 a4 6d 65 74 61 c0 a4 62 6f 64 79 c0"),
        Arguments.of("meta as int", "82 a4 6d 65 74 61 00 a4 62 6f 64 79 c0"),
        Arguments.of("body as str", "82 a4 6d 65 74 61 c4 00 a4 62 6f 64 79 a3 61 62 63"),
        Arguments.of("body as map", "82 a4 6d 65 74 61 c4 00 a4 62 6f 64 79 81 a1 61 01"),
        Arguments.of("body as int", "82 a4 6d 65 74 61 c4 00 a4 62 6f 64 79 01"),
        Arguments.of("body as ext", "82 a4 6d 65 74 61 c4 00 a4 62 6f 64 79 d4 01 00"),
        Arguments.of("missing meta", "81 a4 62 6f 64 79 c0"),
        Arguments.of("missing body", "81 a4 6d 65 74 61 c4 00"),
        Arguments.of("empty map", "80"),
        Arguments.of(
            "bin32 longer than the frame",
            "82 a4 6d 65 74 61 c4 00 a4 62 6f 64 79 c6 7f ff ff ff 00"),
        Arguments.of(
            "bin32 length 2^32-1", "82 a4 6d 65 74 61 c4 00 a4 62 6f 64 79 c6 ff ff ff ff 00"),
        Arguments.of(
            "bin16 one byte short", "82 a4 6d 65 74 61 c4 00 a4 62 6f 64 79 c5 00 03 00 00"),
        Arguments.of(
            "meta bin32 longer than the frame",
            "82 a4 6d 65 74 61 c6 7f ff ff ff a4 62 6f 64 79 c0"),
        Arguments.of("trailing bytes", "82 a4 6d 65 74 61 c4 01 90 a4 62 6f 64 79 c0 c0"),
        Arguments.of("map32 huge", "df 7f ff ff ff a4 6d 65 74 61 c4 00"),
        Arguments.of("map32 negative", "df 80 00 00 00 a4 6d 65 74 61 c4 00"),
        Arguments.of("too many entries", "de 00 20" + " 01 02".repeat(32)),
        Arguments.of(
            "key with malformed UTF-8", "83 a2 c3 28 c0 a4 6d 65 74 61 c4 00 a4 62 6f 64 79 c0"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badBodies")
  void malformedBodyIsRefusedWithoutAllocating(String name, String frame) {
    byte[] bytes = hex(frame);
    badBody(bytes);
    assertAllocatesAtMost(SMALL_ALLOCATION, () -> MessageCodec.decodeBody(bytes, false, MAX_BODY));
  }

  // ---------------------------------------------------------------- snappy

  @Test
  void zipTrueWithUncompressedDataIsRefused() {
    badBody(REQUEST_BODY, true, MAX_BODY);
    badBody(MessageCodecWireTest.NIL_BODY, true, MAX_BODY);
    badBody(MessageCodecWireTest.RESULT_BODY, true, Integer.MAX_VALUE);
  }

  @Test
  void zipFalseWithCompressedDataIsRefused() {
    badBody(MessageCodecWireTest.COMPRESSED_BODY, false, MAX_BODY);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "00",
        "01",
        "80",
        "ff ff ff ff ff ff",
        "97 01",
        "97 01 60 82",
        "0a fe 02 00",
        "05 10 01 02 03 04 05 06 07",
        "03 08 61 62 63 64 65",
        "04 0e 01 00 61 62"
      })
  void badSnappyDataIsRefused(String frame) {
    badBody(hex(frame), true, MAX_BODY);
  }

  @Test
  void snappyClaimingAnImpossibleLengthIsRefusedBeforeAllocating() {
    // varint 0x7fffffff (2 GiB - 1) and 100 MB, each followed by a literal of 3 bytes
    for (String frame : List.of("ff ff ff ff 07 08 61 62 63", "80 c2 d7 2f 08 61 62 63")) {
      byte[] bytes = hex(frame);
      badBody(bytes, true, Integer.MAX_VALUE);
      assertAllocatesAtMost(
          SMALL_ALLOCATION, () -> MessageCodec.decodeBody(bytes, true, Integer.MAX_VALUE));
    }
  }

  @Test
  void snappyOverTheLimitIsRefusedBeforeDecompressing() throws Exception {
    byte[] zeros = Snappy.compress(new byte[4 << 20]);
    assertTrue(zeros.length < SMALL_ALLOCATION);
    BadMessageException e = badBody(zeros, true, MAX_BODY);
    assertTrue(e.getMessage().contains("limit"), e.getMessage());
    assertAllocatesAtMost(SMALL_ALLOCATION, () -> MessageCodec.decodeBody(zeros, true, MAX_BODY));
  }

  @Test
  void snappyLengthIsCheckedAgainstTheLimitParameter() throws Exception {
    byte[] wire = MessageCodecWireTest.COMPRESSED_BODY;
    assertTrue(badBody(wire, true, 150).getMessage().contains("151"));
    assertNotNull(MessageCodec.decodeBody(wire, true, 151).body());
  }

  @Test
  void snappyWithAValidLengthButCorruptDataIsRefused() {
    byte[] corrupt = MessageCodecWireTest.COMPRESSED_BODY.clone();
    corrupt[corrupt.length - 2] = (byte) 0x7f; // copy offset beyond the output so far
    badBody(corrupt, true, MAX_BODY);
    byte[] shortened = MessageCodecWireTest.COMPRESSED_BODY.clone();
    shortened[0] = (byte) 0x98; // claims 152 bytes, produces 151
    badBody(shortened, true, MAX_BODY);
  }

  @Test
  void compressedMalformedMapIsRefused() throws Exception {
    byte[] zipped = Snappy.compress(hex("82 a4 6d 65 74 61 90 a4 62 6f 64 79 c0"));
    badBody(zipped, true, MAX_BODY);
  }

  // ---------------------------------------------------------------- error metadata

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "90",
        "92 a1 61 a1 62",
        "94 a1 61 a1 62 a1 63 a1 64",
        "93 a1 61 a1 62 01",
        "93 c4 01 61 a1 62 a1 63",
        "93 a1 61 c0 a1 63",
        "93 a1 61 a1 62 91 a1 63",
        "83 a1 61 a1 62 a1 63 a1 64 a1 65 a1 66",
        "a1 61",
        "c0",
        "93 a1 61 a1 62 a1 63 c0",
        "93 a1 61 a1 62",
        "93 a1 61 a1 62 db 7f ff ff ff",
        "dd 00 00 00 03 a1 61 a1 62"
      })
  void errorMetaThatIsNotExactlyThreeStrIsNull(String meta) {
    byte[] bytes = hex(meta);
    assertNull(MessageCodec.decodeErrorMeta(bytes));
    assertAllocatesAtMost(SMALL_ALLOCATION, () -> MessageCodec.decodeErrorMeta(bytes));
  }

  @Test
  void errorMetaInAnyArrayOrStrEncodingIsAccepted() {
    assertArrayEquals(
        new String[] {"a", "b", "c"},
        MessageCodec.decodeErrorMeta(hex("dc 00 03 d9 01 61 da 00 01 62 db 00 00 00 01 63")));
  }

  // ---------------------------------------------------------------- fuzz

  /** A decoder call that may only end normally or in BadMessageException. */
  interface Decoder {
    void decode(byte[] frame) throws BadMessageException;
  }

  static void corruptEveryByte(byte[] wire, Decoder decoder) {
    for (int i = 0; i < wire.length; i++) {
      for (int v : new int[] {0x00, 0x7f, 0x80, 0xc1, 0xc4, 0xc6, 0xd9, 0xdb, 0xdd, 0xdf, 0xff}) {
        byte[] corrupt = wire.clone();
        corrupt[i] = (byte) v;
        try {
          decoder.decode(corrupt);
        } catch (BadMessageException e) {
          assertNotNull(e.getMessage());
        }
      }
    }
  }

  @Test
  void everySingleByteCorruptionOfTheCapturesDecodesOrIsBadMessage() {
    for (byte[] wire :
        List.of(
            REQUEST_HEADER,
            MessageCodecWireTest.CANCEL_HEADER,
            MessageCodecWireTest.CANCELLED_HEADER)) {
      corruptEveryByte(wire, f -> MessageCodec.decodeHeader(f, MAX_OKEY, MAX_CHAIN));
    }
    for (byte[] wire : List.of(REQUEST_BODY, MessageCodecWireTest.NIL_BODY)) {
      corruptEveryByte(wire, f -> MessageCodec.decodeBody(f, false, MAX_BODY));
    }
    corruptEveryByte(
        MessageCodecWireTest.COMPRESSED_BODY, f -> MessageCodec.decodeBody(f, true, MAX_BODY));
  }
}
