package io.callosum.upper;

import static io.callosum.TestBytes.assertAllocatesAtMost;
import static io.callosum.TestBytes.assertStartsWith;
import static io.callosum.TestBytes.concat;
import static io.callosum.TestBytes.hex;
import static io.callosum.TestBytes.repeat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import io.callosum.Body;
import io.callosum.CodecException;
import io.callosum.internal.CodecBody;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The msgpack upper: Python-compatible bytes, generic and typed round trips, hostile input. */
class MsgpackCodecTest {
  static final long SMALL_ALLOCATION = 256 << 10;
  final MsgpackCodec codec = new MsgpackCodec();

  @Test
  void codecsWithTheSameLimitsAreEqual() {
    assertEquals(codec, new MsgpackCodec());
    assertEquals(codec.hashCode(), new MsgpackCodec().hashCode());
    assertEquals(new MsgpackCodec(8, 100), new MsgpackCodec(8, 100));
    assertNotEquals(new MsgpackCodec(8, 100), new MsgpackCodec(9, 100));
    assertNotEquals(new MsgpackCodec(8, 100), new MsgpackCodec(8, 101));
    assertNotEquals(codec, (Object) "msgpack");
  }

  public record Point(int x, int y) {}

  public record Line(Point from, Point to, String label) {}

  public record Blob(String name, byte[] data) {}

  public record Shape(String name, List<Point> points, Map<String, Integer> tags) {}

  public record Event(String name, Instant at) {}

  public record Wide(long big, BigInteger huge, double d, float f, boolean flag, Long missing) {}

  /** A bean, as opposed to a record. */
  public static final class Account {
    private String owner;
    private long balance;

    public Account() {}

    Account(String owner, long balance) {
      this.owner = owner;
      this.balance = balance;
    }

    public String getOwner() {
      return owner;
    }

    public void setOwner(String owner) {
      this.owner = owner;
    }

    public long getBalance() {
      return balance;
    }

    public void setBalance(long balance) {
      this.balance = balance;
    }
  }

  Object roundTrip(Object value) {
    return codec.decode(codec.encode(value), Object.class);
  }

  /**
   * Encodes {@code value} to exactly {@code wire} and decodes {@code wire} generically to {@code
   * back}.
   */
  void assertWire(Object value, String wire, Object back) {
    assertEquals(wire, hex(codec.encode(value)));
    assertEquals(back, codec.decode(hex(wire), Object.class));
  }

  CodecException bad(byte[] bytes) {
    return assertThrows(CodecException.class, () -> codec.decode(bytes, Object.class));
  }

  /** Refused generically and as a typed value, without large allocations either way. */
  void assertRefused(byte[] bytes) {
    bad(bytes);
    assertThrows(CodecException.class, () -> codec.decode(bytes, Line.class));
    assertThrows(CodecException.class, () -> codec.decode(bytes, List.class));
    assertAllocatesAtMost(SMALL_ALLOCATION, () -> codec.decode(bytes, Object.class));
    assertAllocatesAtMost(SMALL_ALLOCATION, () -> codec.decode(bytes, Line.class));
  }

  static byte[] nested(int depth, String innermost) {
    return concat(repeat(0x91, depth), hex(innermost));
  }

  static List<Object> nestedList(int depth) {
    List<Object> v = new ArrayList<>();
    for (int i = 1; i < depth; i++) {
      v = new ArrayList<>(List.of(v));
    }
    return v;
  }

  // ---------------------------------------------------------------- Python-compatible bytes

  @Test
  void smallMapMatchesPython() {
    assertWire(Map.of("a", 1), "81 a1 61 01", Map.of("a", 1));
  }

  @Test
  void mixedListMatchesPython() {
    // packb([1, "x", b"y", None, True, False, 1.5], use_bin_type=True)
    List<Object> v = Arrays.asList(1, "x", new byte[] {'y'}, null, true, false, 1.5);
    assertEquals("97 01 a1 78 c4 01 79 c0 c3 c2 cb 3f f8 00 00 00 00 00 00", hex(codec.encode(v)));
  }

  @Test
  void nestedMapKeepsInsertionOrderLikePython() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("z", List.of());
    m.put("a", Map.of());
    m.put("m", null);
    assertWire(m, "83 a1 7a 90 a1 61 80 a1 6d c0", m);
    assertEquals(List.of("z", "a", "m"), List.copyOf(((Map<?, ?>) roundTrip(m)).keySet()));
  }

  @Test
  void nullAndBooleans() {
    assertWire(null, "c0", null);
    assertWire(true, "c3", true);
    assertWire(false, "c2", false);
  }

  // ---------------------------------------------------------------- integers

  static Stream<Arguments> integers() {
    return Stream.of(
        Arguments.of(0L, "00", 0),
        Arguments.of(1L, "01", 1),
        Arguments.of(127L, "7f", 127),
        Arguments.of(128L, "cc 80", 128),
        Arguments.of(255L, "cc ff", 255),
        Arguments.of(256L, "cd 01 00", 256),
        Arguments.of(65535L, "cd ff ff", 65535),
        Arguments.of(65536L, "ce 00 01 00 00", 65536),
        Arguments.of(2147483647L, "ce 7f ff ff ff", Integer.MAX_VALUE),
        Arguments.of(2147483648L, "ce 80 00 00 00", 2147483648L),
        Arguments.of(4294967295L, "ce ff ff ff ff", 4294967295L),
        Arguments.of(4294967296L, "cf 00 00 00 01 00 00 00 00", 4294967296L),
        Arguments.of(Long.MAX_VALUE, "cf 7f ff ff ff ff ff ff ff", Long.MAX_VALUE),
        Arguments.of(-1L, "ff", -1),
        Arguments.of(-32L, "e0", -32),
        Arguments.of(-33L, "d0 df", -33),
        Arguments.of(-128L, "d0 80", -128),
        Arguments.of(-129L, "d1 ff 7f", -129),
        Arguments.of(-32768L, "d1 80 00", -32768),
        Arguments.of(-32769L, "d2 ff ff 7f ff", -32769),
        Arguments.of(-2147483648L, "d2 80 00 00 00", Integer.MIN_VALUE),
        Arguments.of(-2147483649L, "d3 ff ff ff ff 7f ff ff ff", -2147483649L),
        Arguments.of(Long.MIN_VALUE, "d3 80 00 00 00 00 00 00 00", Long.MIN_VALUE));
  }

  @ParameterizedTest
  @MethodSource("integers")
  void integersUseTheSmallestEncodingAndDecodeToTheSmallestType(
      long value, String wire, Object decoded) {
    assertWire(value, wire, decoded);
    assertEquals(wire, hex(codec.encode(BigInteger.valueOf(value))));
    if (value == (int) value) {
      assertEquals(wire, hex(codec.encode((int) value)));
    }
    if (value == (short) value) {
      assertEquals(wire, hex(codec.encode((short) value)));
    }
    if (value == (byte) value) {
      assertEquals(wire, hex(codec.encode((byte) value)));
    }
  }

  @Test
  void unsigned64BitIntegersAreBigIntegers() {
    BigInteger max = BigInteger.TWO.pow(64).subtract(BigInteger.ONE);
    assertWire(max, "cf ff ff ff ff ff ff ff ff", max);
    BigInteger twoTo63 = BigInteger.TWO.pow(63);
    assertWire(twoTo63, "cf 80 00 00 00 00 00 00 00", twoTo63);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "18446744073709551616",
        "-9223372036854775809",
        "340282366920938463463374607431768211456"
      })
  void bigIntegersOutOfRangeAreRefused(String value) {
    assertThrows(CodecException.class, () -> codec.encode(new BigInteger(value)));
    assertThrows(CodecException.class, () -> codec.encode(List.of(1, new BigInteger(value))));
  }

  @ParameterizedTest
  @CsvSource({
    "cc 05, 5", "cd 00 05, 5", "ce 00 00 00 05, 5", "cf 00 00 00 00 00 00 00 05, 5",
    "d0 05, 5", "d1 00 05, 5", "d2 00 00 00 05, 5", "d3 00 00 00 00 00 00 00 05, 5",
    "d3 ff ff ff ff ff ff ff fb, -5"
  })
  void overlongIntegerEncodingsDecodeToInteger(String wire, int value) {
    assertEquals((Object) value, codec.decode(hex(wire), Object.class));
  }

  @Test
  void genericIntegersAreIntegerThenLongThenBigInteger() {
    assertInstanceOf(Integer.class, codec.decode(hex("ce 7f ff ff ff"), Object.class));
    assertInstanceOf(Long.class, codec.decode(hex("ce 80 00 00 00"), Object.class));
    assertInstanceOf(Integer.class, codec.decode(hex("cf 00 00 00 00 7f ff ff ff"), Object.class));
    assertInstanceOf(Long.class, codec.decode(hex("cf 7f ff ff ff ff ff ff ff"), Object.class));
    assertInstanceOf(
        BigInteger.class, codec.decode(hex("cf 80 00 00 00 00 00 00 00"), Object.class));
    assertInstanceOf(Integer.class, codec.decode(hex("d3 ff ff ff ff 80 00 00 00"), Object.class));
    assertInstanceOf(Long.class, codec.decode(hex("d3 ff ff ff ff 7f ff ff ff"), Object.class));
  }

  // ---------------------------------------------------------------- floats

  @Test
  void floatsAreFloat32AndDoublesFloat64() {
    assertWire(1.5f, "ca 3f c0 00 00", 1.5f);
    assertWire(1.5, "cb 3f f8 00 00 00 00 00 00", 1.5);
    assertWire(-0.0, "cb 80 00 00 00 00 00 00 00", -0.0);
    for (Object v :
        List.of(
            Float.NaN,
            Float.MIN_VALUE,
            Float.MAX_VALUE,
            Float.NEGATIVE_INFINITY,
            Double.NaN,
            Double.MIN_VALUE,
            Double.MAX_VALUE,
            Double.POSITIVE_INFINITY)) {
      assertEquals(v, roundTrip(v));
    }
  }

  // ---------------------------------------------------------------- strings

  @ParameterizedTest
  @CsvSource({
    "0, a0",
    "1, a1",
    "31, bf",
    "32, d9 20",
    "255, d9 ff",
    "256, da 01 00",
    "511, da 01 ff",
    "512, da 02 00",
    "65535, da ff ff",
    "65536, db 00 01 00 00",
    "100000, db 00 01 86 a0"
  })
  void stringsUseTheSmallestStrHeader(int length, String header) {
    String s = "s".repeat(length);
    byte[] wire = codec.encode(s);
    assertStartsWith(header, wire);
    assertEquals(hex(header).length + length, wire.length);
    assertEquals(s, codec.decode(wire, Object.class));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "é", "héllo wörld", "日本語のテキスト", "emoji 😀 and 𝄞", "\u0000nul", "ab\uffffcd"})
  void unicodeStringsRoundTrip(String s) {
    byte[] wire = codec.encode(s);
    assertEquals(s, codec.decode(wire, Object.class));
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    assertArrayEquals(utf8, Arrays.copyOfRange(wire, wire.length - utf8.length, wire.length));
  }

  @Test
  void longUnicodeStringsCountBytesNotChars() {
    String s = "é".repeat(200); // 400 bytes
    byte[] wire = codec.encode(s);
    assertStartsWith("da 01 90", wire);
    assertEquals(s, codec.decode(wire, Object.class));
    String t = "€".repeat(30_000); // 90,000 bytes
    assertEquals(t, roundTrip(t));
  }

  @Test
  void charactersAndCharSequencesAreStr() {
    assertWire('x', "a1 78", "x");
    assertWire(new StringBuilder("ab"), "a2 61 62", "ab");
  }

  // ---------------------------------------------------------------- bin

  @ParameterizedTest
  @CsvSource({
    "0, c4 00",
    "1, c4 01",
    "255, c4 ff",
    "256, c5 01 00",
    "65535, c5 ff ff",
    "65536, c6 00 01 00 00"
  })
  void byteArraysAreBin(int length, String header) {
    byte[] b = new byte[length];
    Arrays.fill(b, (byte) 0xab);
    byte[] wire = codec.encode(b);
    assertStartsWith(header, wire);
    assertArrayEquals(b, (byte[]) codec.decode(wire, Object.class));
  }

  @Test
  void byteBuffersAreBinAndAreNotConsumed() {
    ByteBuffer buf = ByteBuffer.wrap(new byte[] {9, 1, 2, 3}, 1, 3);
    assertEquals("c4 03 01 02 03", hex(codec.encode(buf)));
    assertEquals(3, buf.remaining());
  }

  // ---------------------------------------------------------------- lists and maps

  @Test
  void listsArraysAndCollectionsAreArrays() {
    assertWire(List.of(1, 2), "92 01 02", List.of(1, 2));
    assertWire(new Object[] {"a", null}, "92 a1 61 c0", Arrays.asList("a", null));
    assertWire(new TreeSet<>(List.of(3, 1)), "92 01 03", List.of(1, 3));
    List<Integer> sixteen = Collections.nCopies(16, 0);
    assertWire(sixteen, "dc 00 10" + " 00".repeat(16), sixteen);
    List<Integer> big = Collections.nCopies(65536, 1);
    byte[] wire = codec.encode(big);
    assertStartsWith("dd 00 01 00 00", wire);
    assertEquals(big, codec.decode(wire, Object.class));
  }

  @Test
  void mapsWithSixteenOrMoreEntriesUseMap16() {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int i = 0; i < 16; i++) {
      m.put("k" + Integer.toHexString(i), i);
    }
    byte[] wire = codec.encode(m);
    assertStartsWith("de 00 10", wire);
    assertEquals(m, codec.decode(wire, Object.class));
  }

  @Test
  void binMapKeysDecodeAsReadOnlyByteBuffersThatCompareByContent() {
    Map<Object, Object> m = new LinkedHashMap<>();
    m.put(ByteBuffer.wrap(new byte[] {1, 2}), "bin");
    m.put("12", "str");
    byte[] wire = codec.encode(m);
    assertEquals("82 c4 02 01 02 a3 62 69 6e a2 31 32 a3 73 74 72", hex(wire));
    Map<?, ?> back = (Map<?, ?>) codec.decode(wire, Object.class);
    assertEquals("bin", back.get(ByteBuffer.wrap(new byte[] {1, 2})));
    assertEquals("str", back.get("12"));
    ByteBuffer key = (ByteBuffer) back.keySet().iterator().next();
    assertTrue(key.isReadOnly());
    assertEquals(m, back);
  }

  @Test
  void byteArrayMapKeysAreEncodedAsBin() {
    Map<Object, Object> m = new LinkedHashMap<>();
    m.put(new byte[] {7}, 1);
    assertEquals("81 c4 01 07 01", hex(codec.encode(m)));
  }

  @Test
  void scalarMapKeysOfOtherTypesDecode() {
    Map<?, ?> m = (Map<?, ?>) codec.decode(hex("83 01 a1 61 c0 a1 62 c3 a1 63"), Object.class);
    assertEquals("a", m.get(1));
    assertEquals("b", m.get(null));
    assertEquals("c", m.get(true));
  }

  @ParameterizedTest
  @ValueSource(strings = {"81 90 01", "81 80 01", "81 91 01 01"})
  void containerMapKeysAreRefused(String wire) {
    bad(hex(wire));
  }

  @Test
  void deepNestingUpToTheLimitRoundTrips() {
    List<Object> deepest = nestedList(128);
    assertEquals(deepest, roundTrip(deepest));
    assertEquals(deepest, codec.decode(codec.encode(deepest), List.class));
    Map<String, Object> m = Map.of("a", Map.of("b", List.of(Map.of("c", List.of(1)))));
    assertEquals(m, roundTrip(m));
  }

  @Test
  void nestingBeyondTheLimitIsRefusedBothWays() {
    assertThrows(CodecException.class, () -> codec.encode(nestedList(129)));
    for (String innermost : List.of("90", "c0", "80", "91 01")) {
      byte[] wire = nested(128, innermost);
      boolean container = !innermost.equals("c0");
      if (container) {
        assertRefused(wire);
      } else {
        assertEquals(nestedList(128).size(), ((List<?>) codec.decode(wire, Object.class)).size());
      }
    }
  }

  @Test
  void nestingLimitIsConfigurable() {
    MsgpackCodec shallow = new MsgpackCodec(2);
    assertEquals(List.of(List.of(1)), shallow.decode(hex("91 91 01"), Object.class));
    assertThrows(CodecException.class, () -> shallow.decode(hex("91 91 91 01"), Object.class));
    assertThrows(
        CodecException.class, () -> shallow.decode(hex("81 a1 61 81 a1 62 90"), Object.class));
    assertThrows(
        CodecException.class, () -> shallow.decode(hex("81 a1 6f 91 91 01"), Object.class));
    assertThrows(CodecException.class, () -> shallow.encode(List.of(List.of(List.of()))));
    assertEquals("91 91 01", hex(shallow.encode(List.of(List.of(1)))));
    assertThrows(IllegalArgumentException.class, () -> new MsgpackCodec(0));
  }

  @Test
  void valuesUpToTheLimitDecodeAndOneMoreIsRefusedNamingIt() {
    MsgpackCodec few = new MsgpackCodec(128, 10);
    // [1, 2, 3, 4, 5, 6, 7, 8, 9]: the list and its nine elements
    byte[] ten = hex("99 01 02 03 04 05 06 07 08 09");
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9), few.decode(ten, Object.class));
    CodecException e =
        assertThrows(
            CodecException.class,
            () -> few.decode(hex("9a 01 02 03 04 05 06 07 08 09 0a"), Object.class));
    assertTrue(e.getMessage().contains("more than 10 values"), e.getMessage());
    assertTrue(e.getMessage().contains("Limits.maxElements"), e.getMessage());
    // {"a": [], "b": {}}: the map, two keys, two values, at any depth
    assertEquals(2, ((Map<?, ?>) few.decode(hex("82 a1 61 90 a1 62 80"), Object.class)).size());
    assertThrows(
        CodecException.class,
        () -> few.decode(hex("83 a1 61 90 a1 62 80 a1 63 94 c0 c0 c0 c0"), Object.class));
    assertThrows(
        CodecException.class,
        () ->
            few.decode(
                hex("9a 01 02 03 04 05 06 07 08 09 0a"),
                new TypeReference<List<Integer>>() {}.getType()));
    assertThrows(IllegalArgumentException.class, () -> new MsgpackCodec(128, 0));
  }

  /**
   * An array of a million empty arrays is five bytes plus one per element, and would decode into a
   * million lists: the default limit refuses it at its header, generically and typed, without
   * allocating by its size.
   */
  @Test
  void aMillionEmptyArraysAreRefusedCheaplyByTheDefaultLimit() {
    byte[] bomb = concat(hex("dd 00 0f 42 41"), repeat(0x90, 1_000_001));
    CodecException e = bad(bomb);
    assertTrue(e.getMessage().contains("more than 1000000 values"), e.getMessage());
    assertThrows(CodecException.class, () -> codec.decode(bomb, Line.class));
    assertThrows(
        CodecException.class,
        () -> codec.decode(bomb, new TypeReference<List<List<Object>>>() {}.getType()));
    assertAllocatesAtMost(SMALL_ALLOCATION, () -> codec.decode(bomb, Object.class));
    assertAllocatesAtMost(
        SMALL_ALLOCATION,
        () -> codec.decode(bomb, new TypeReference<List<List<Object>>>() {}.getType()));
    // A map of half a million entries, each an empty str key with an empty map: a key and a value
    // count one each.
    byte[] entries = new byte[1_000_000];
    for (int i = 0; i < entries.length; i += 2) {
      entries[i] = (byte) 0xa0;
      entries[i + 1] = (byte) 0x80;
    }
    byte[] maps = concat(hex("df 00 07 a1 20"), entries);
    assertTrue(bad(maps).getMessage().contains("Limits.maxElements"));
  }

  @Test
  void selfContainingListIsRefused() {
    List<Object> loop = new ArrayList<>();
    loop.add(loop);
    assertThrows(CodecException.class, () -> codec.encode(loop));
  }

  // ---------------------------------------------------------------- extensions

  @Test
  void instantsAreTheTimestampExtension() {
    assertWire(Instant.ofEpochSecond(1), "d6 ff 00 00 00 01", Instant.ofEpochSecond(1));
    assertWire(
        Instant.ofEpochSecond(1, 5), "d7 ff 00 00 00 14 00 00 00 01", Instant.ofEpochSecond(1, 5));
    assertWire(
        Instant.ofEpochSecond(-1),
        "c7 0c ff 00 00 00 00 ff ff ff ff ff ff ff ff",
        Instant.ofEpochSecond(-1));
    for (Instant t :
        List.of(
            Instant.EPOCH,
            Instant.parse("2026-01-15T12:34:56.789123456Z"),
            Instant.parse("1900-01-01T00:00:00Z"),
            Instant.ofEpochSecond(1L << 34),
            Instant.MAX,
            Instant.MIN)) {
      assertEquals(t, roundTrip(t));
    }
  }

  @Test
  void otherExtensionsRoundTripAsExtension() {
    assertWire(
        new MsgpackCodec.Extension((byte) 5, new byte[] {1}),
        "d4 05 01",
        new MsgpackCodec.Extension((byte) 5, new byte[] {1}));
    assertWire(
        new MsgpackCodec.Extension((byte) -128, new byte[3]),
        "c7 03 80 00 00 00",
        new MsgpackCodec.Extension((byte) -128, new byte[3]));
    for (int n : new int[] {0, 1, 2, 4, 8, 16, 17, 256, 70_000}) {
      MsgpackCodec.Extension e = new MsgpackCodec.Extension((byte) 42, new byte[n]);
      assertEquals(e, roundTrip(e));
      assertEquals(e.hashCode(), roundTrip(e).hashCode());
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "d5 ff 00 00",
        "c7 03 ff 00 00 00",
        "c7 0c ff 00 00 00 00 7f ff ff ff ff ff ff ff",
        "c7 0c ff 00 00 00 00 80 00 00 00 00 00 00 00"
      })
  void malformedTimestampsAreRefused(String wire) {
    bad(hex(wire));
  }

  // ---------------------------------------------------------------- records and beans

  @Test
  void recordsEncodeAsMapsLikePythonDicts() {
    assertEquals("82 a1 78 01 a1 79 02", hex(codec.encode(new Point(1, 2))));
    assertEquals(Map.of("x", 1, "y", 2), codec.decode(codec.encode(new Point(1, 2)), Object.class));
  }

  @Test
  void recordsDecodeThroughBodyAs() {
    Body body = new CodecBody(hex("82 a1 78 01 a1 79 02"), codec);
    assertEquals(new Point(1, 2), body.as(Point.class));
    assertEquals(new Point(1, 2), codec.decode(hex("82 a1 79 02 a1 78 01"), Point.class));
    assertEquals(Map.of("x", 1, "y", 2), body.value());
  }

  @Test
  void nestedRecordsRoundTrip() {
    Line line = new Line(new Point(1, 2), new Point(-3, 400), "diagonal");
    assertEquals(line, codec.decode(codec.encode(line), Line.class));
    Map<?, ?> generic = (Map<?, ?>) roundTrip(line);
    assertEquals(Map.of("x", -3, "y", 400), generic.get("to"));
  }

  @Test
  void listsOfRecordsRoundTripThroughATypeReference() {
    List<Point> points = List.of(new Point(1, 2), new Point(3, 4));
    Type type = new TypeReference<List<Point>>() {}.getType();
    assertEquals(points, codec.decode(codec.encode(points), type));
    assertEquals(points, new CodecBody(codec.encode(points), codec).as(type));
    Shape shape =
        new Shape(
            "tri", List.of(new Point(0, 0), new Point(1, 0), new Point(0, 1)), Map.of("sides", 3));
    assertEquals(shape, codec.decode(codec.encode(shape), Shape.class));
  }

  @Test
  void recordWithByteArrayFieldUsesBin() {
    Blob blob = new Blob("b", new byte[] {1, 2, 3});
    byte[] wire = codec.encode(blob);
    assertEquals("82 a4 6e 61 6d 65 a1 62 a4 64 61 74 61 c4 03 01 02 03", hex(wire));
    Blob back = codec.decode(wire, Blob.class);
    assertEquals("b", back.name());
    assertArrayEquals(new byte[] {1, 2, 3}, back.data());
  }

  @Test
  void recordWithInstantFieldUsesTheTimestampExtension() {
    Event e = new Event("start", Instant.ofEpochSecond(1, 5));
    byte[] wire = codec.encode(e);
    assertEquals(
        "82 a4 6e 61 6d 65 a5 73 74 61 72 74 a2 61 74 d7 ff 00 00 00 14 00 00 00 01", hex(wire));
    assertEquals(e, codec.decode(wire, Event.class));
  }

  @Test
  void recordNumbersKeepTheirRange() {
    Wide w =
        new Wide(
            Long.MIN_VALUE, BigInteger.TWO.pow(64).subtract(BigInteger.ONE), 0.1, 2.5f, true, null);
    assertEquals(w, codec.decode(codec.encode(w), Wide.class));
  }

  @Test
  void unknownFieldsAreIgnored() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("x", 1);
    m.put("extra", List.of(1, Map.of("deep", true)));
    m.put("y", 2);
    assertEquals(new Point(1, 2), codec.decode(codec.encode(m), Point.class));
  }

  @Test
  void pythonDictDecodesAsRecord() {
    // packb({"from": {"x": 1, "y": 2}, "to": {"x": 3, "y": 4}, "label": "l"})
    byte[] wire =
        hex(
            "83 a4 66 72 6f 6d 82 a1 78 01 a1 79 02 a2 74 6f 82 a1 78 03 a1 79 04 a5 6c 61 62 65 6c"
                + " a1 6c");
    assertEquals(new Line(new Point(1, 2), new Point(3, 4), "l"), codec.decode(wire, Line.class));
  }

  @Test
  void beansRoundTrip() {
    byte[] wire = codec.encode(new Account("ann", 1L << 40));
    Account back = codec.decode(wire, Account.class);
    assertEquals("ann", back.getOwner());
    assertEquals(1L << 40, back.getBalance());
    assertEquals(Map.of("owner", "ann", "balance", 1L << 40), codec.decode(wire, Object.class));
  }

  @Test
  void recordsInsideGenericContainersAreEncodedInPlace() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("p", new Point(1, 2));
    m.put("ps", List.of(new Point(3, 4)));
    assertEquals(
        "82 a1 70 82 a1 78 01 a1 79 02 a2 70 73 91 82 a1 78 03 a1 79 04", hex(codec.encode(m)));
  }

  @Test
  void typedDecodeOfTheWrongShapeIsRefused() {
    assertThrows(CodecException.class, () -> codec.decode(hex("92 01 02"), Point.class));
    assertThrows(CodecException.class, () -> codec.decode(hex("a1 78"), Point.class));
    assertThrows(
        CodecException.class, () -> codec.decode(hex("82 a1 78 a1 61 a1 79 02"), Point.class));
  }

  @Test
  void unencodableValuesAreRefused() {
    assertThrows(
        CodecException.class,
        () ->
            codec.encode(
                new Object() {
                  public Object getSelf() {
                    return this;
                  }
                }));
    assertThrows(
        CodecException.class,
        () -> codec.encode(List.of(new MsgpackCodec.Extension((byte) 1, null))));
  }

  // ---------------------------------------------------------------- malformed input

  @Test
  void emptyInputIsRefused() {
    assertRefused(new byte[0]);
  }

  @Test
  void everyTruncationIsRefused() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("from", new Point(1, 2));
    m.put("to", Map.of("x", 100000, "y", -70000));
    m.put("label", "x".repeat(40));
    m.put("blob", new byte[300]);
    m.put("when", Instant.ofEpochSecond(1, 5));
    m.put("f", 1.5);
    byte[] wire = codec.encode(m);
    for (int n = 0; n < wire.length; n++) {
      byte[] prefix = Arrays.copyOf(wire, n);
      bad(prefix);
      assertThrows(CodecException.class, () -> codec.decode(prefix, Line.class));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"01 02", "c0 c0", "81 a1 61 01 01", "90 90", "82 a1 78 01 a1 79 02 00"})
  void trailingBytesAreRefused(String wire) {
    assertRefused(hex(wire));
    assertThrows(CodecException.class, () -> codec.decode(hex(wire), Point.class));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "dd 7f ff ff ff",
        "dd ff ff ff ff",
        "dc ff ff 01",
        "df 7f ff ff ff",
        "df 40 00 00 00 01 02",
        "de ff ff 01 01",
        "91 91 91 dd 7f ff ff ff",
        "92 dd 00 01 00 00 01",
        "81 a1 61 dd 7f ff ff ff",
        "dd 00 00 00 05 dd 00 00 00 04 dd 00 00 00 03 01"
      })
  void containerCountsLargerThanTheInputAreRefused(String wire) {
    assertRefused(hex(wire));
  }

  @Test
  void nestedArraysEachClaimingTheRestOfTheInputDoNotMultiplyAllocation() {
    // 120 levels of array32, each claiming nearly all remaining bytes, then padding
    int levels = 120;
    int pad = 100_000;
    byte[] wire = new byte[levels * 5 + pad];
    for (int i = 0; i < levels; i++) {
      int remaining = wire.length - (i + 1) * 5;
      wire[i * 5] = (byte) 0xdd;
      wire[i * 5 + 1] = (byte) (remaining >>> 24);
      wire[i * 5 + 2] = (byte) (remaining >>> 16);
      wire[i * 5 + 3] = (byte) (remaining >>> 8);
      wire[i * 5 + 4] = (byte) remaining;
    }
    Arrays.fill(wire, levels * 5, wire.length, (byte) 0xc0);
    bad(wire);
    assertAllocatesAtMost(2L * wire.length, () -> codec.decode(wire, Object.class));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "db 7f ff ff ff 61",
        "db ff ff ff ff",
        "da ff ff 61",
        "d9 05 61 62",
        "a5 61 62",
        "c6 7f ff ff ff 00",
        "c6 ff ff ff ff",
        "c5 ff ff",
        "c4 02 00",
        "c9 7f ff ff ff 05 00",
        "c8 ff ff 05",
        "c7 05 05 00",
        "d8 05 00",
        "ca 00 00",
        "cb 00 00 00 00 00 00 00",
        "cf 00",
        "d3 00",
        "cd 00",
        "81 a1 61",
        "91",
        "82 a1 61 01"
      })
  void lengthsBeyondTheInputAreRefused(String wire) {
    assertRefused(hex(wire));
  }

  @ParameterizedTest
  @ValueSource(strings = {"c1", "91 c1", "81 c1 01"})
  void theNeverUsedByteIsRefused(String wire) {
    assertRefused(hex(wire));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a1 80",
        "a2 c3 28",
        "a3 ed a0 80",
        "a2 c0 80",
        "a4 f8 88 80 80",
        "81 a2 c3 28 01",
        "82 a1 78 a2 c3 28 a1 79 01"
      })
  void malformedUtf8IsRefused(String wire) {
    assertRefused(hex(wire));
  }

  @Test
  void deepNestingBombsAreRefusedWithoutRecursing() {
    byte[] deep = nested(1_000_000, "c0");
    assertRefused(deep);
    byte[] deepMaps = new byte[3 * 100_000 + 1];
    for (int i = 0; i < 100_000; i++) {
      deepMaps[3 * i] = (byte) 0x81;
      deepMaps[3 * i + 1] = (byte) 0xa1;
      deepMaps[3 * i + 2] = 'k';
    }
    deepMaps[deepMaps.length - 1] = (byte) 0xc0;
    assertRefused(deepMaps);
    assertThrows(
        CodecException.class,
        () -> codec.decode(concat(hex("81 a4 66 72 6f 6d"), deep), Line.class));
  }

  @Test
  void malformedInputAsATypedValueIsRefused() {
    for (String wire :
        List.of(
            "",
            "82 a1 78 01 a1 79",
            "82 a1 78 01 a1 79 db 7f ff ff ff",
            "82 a1 78 01 a1 79 02 c0")) {
      assertThrows(CodecException.class, () -> codec.decode(hex(wire), Point.class));
      assertThrows(CodecException.class, () -> new CodecBody(hex(wire), codec).as(Point.class));
    }
  }

  @Test
  void bodyValueDecodesGenerically() {
    assertNull(new CodecBody(hex("c0"), codec).value());
    assertEquals(List.of("a"), new CodecBody(hex("91 a1 61"), codec).value());
    assertThrows(CodecException.class, () -> new CodecBody(hex("91"), codec).value());
  }

  @Test
  void nameIsMsgpack() {
    assertEquals("msgpack", codec.name());
  }
}
