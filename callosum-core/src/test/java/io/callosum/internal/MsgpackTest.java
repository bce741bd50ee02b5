package io.callosum.internal;

import static io.callosum.TestBytes.assertAllocatesAtMost;
import static io.callosum.TestBytes.concat;
import static io.callosum.TestBytes.hex;
import static io.callosum.TestBytes.repeat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.CharacterCodingException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageSizeException;
import org.msgpack.core.MessageUnpacker;

/**
 * The msgpack reading that both frames share, alone: each helper on hand-written bytes, where it
 * must find what is there and refuse what a frame cannot hold, before allocating for it.
 */
class MsgpackTest {
  private static final String[] NAMES = {"type", "meth"};
  private static final byte[][] FIXSTRS = Msgpack.fixstrs(NAMES);

  private final Msgpack.Unpacker unpacker = new Msgpack.Unpacker();

  private MessageUnpacker read(byte[] frame) throws Exception {
    return unpacker.reset(frame, Integer.MAX_VALUE);
  }

  @Test
  void fixstrsAreTheLengthByteThenTheAscii() {
    assertArrayEquals(hex("a4 74 79 70 65"), FIXSTRS[0]);
    assertArrayEquals(hex("a4 6d 65 74 68"), FIXSTRS[1]);
  }

  @Test
  void aKeyIsFoundInAnyStrEncodingAndAnUnknownKeyIsMinusOne() throws Exception {
    // fixstr, str8 and str16 "meth", an unknown "size", then a 1 after each to show where it
    // stopped
    byte[] frame =
        hex(
            "a4 6d 65 74 68 01 d9 04 6d 65 74 68 01 da 00 04 6d 65 74 68 01"
                + " a4 73 69 7a 65 01 d9 04 74 79 70 65 01");
    MessageUnpacker u = read(frame);
    int[] found = new int[5];
    for (int i = 0; i < found.length; i++) {
      found[i] = Msgpack.key(u, frame, NAMES, FIXSTRS);
      assertEquals(1, u.unpackInt(), "the key is read whole, and only the key");
    }
    assertArrayEquals(new int[] {1, 1, 1, -1, 0}, found);
    assertFalse(u.hasNext());
  }

  @Test
  void aKeyCutOffAtTheEndOfTheFrameIsNotMatchedFromBeyondIt() throws Exception {
    byte[] frame = hex("a4 74 79");
    assertThrows(MessageSizeException.class, () -> Msgpack.key(read(frame), frame, NAMES, FIXSTRS));
  }

  @Test
  void textTakesAsciiAndUtf8AndRefusesMalformedUtf8() throws Exception {
    byte[] ascii = hex("a3 61 62 63");
    assertEquals("abc", Msgpack.text(read(ascii), ascii.length));
    byte[] utf8 = hex("a2 c3 a9");
    assertEquals("\u00e9", Msgpack.text(read(utf8), utf8.length));
    byte[] malformed = hex("a2 c3 28");
    assertThrows(
        CharacterCodingException.class, () -> Msgpack.text(read(malformed), malformed.length));
  }

  @Test
  void aStrOrBinLongerThanItsFrameIsRefusedBeforeItIsRead() {
    byte[] str = hex("db 7f ff ff ff 61");
    byte[] bin = hex("c6 7f ff ff ff 61");
    assertAllocatesAtMost(
        64 << 10,
        () -> assertThrows(MessageSizeException.class, () -> Msgpack.text(read(str), str.length)));
    assertAllocatesAtMost(
        64 << 10,
        () ->
            assertThrows(
                MessageSizeException.class, () -> Msgpack.binPayload(read(bin), bin.length)));
  }

  @Test
  void binPayloadReadsTheBytes() throws Exception {
    byte[] bin = hex("c4 03 01 02 03");
    assertArrayEquals(hex("01 02 03"), Msgpack.binPayload(read(bin), bin.length));
  }

  @Test
  void integersBeyondALongReadAsMaxValueWithoutThrowing() throws Exception {
    assertEquals(Long.MAX_VALUE, Msgpack.integer(read(hex("cf ff ff ff ff ff ff ff ff"))));
    assertEquals(Long.MAX_VALUE, Msgpack.integer(read(hex("cf 80 00 00 00 00 00 00 00"))));
    assertEquals(-1, Msgpack.integer(read(hex("ff"))));
    assertEquals(300, Msgpack.integer(read(hex("cd 01 2c"))));
    assertEquals("2^63-1 or more", Msgpack.shown(Long.MAX_VALUE));
    assertEquals("-5", Msgpack.shown(-5));
  }

  @Test
  void skipBoundedSkipsExactlyOneNestedValue() throws Exception {
    // {"a": [1, {"b": nil}], "c": "d"}, then 7
    byte[] frame = hex("82 a1 61 92 01 81 a1 62 c0 a1 63 a1 64 07");
    MessageUnpacker u = read(frame);
    unpacker.skip(frame.length);
    assertEquals(7, u.unpackInt());
  }

  @Test
  void skipBoundedDoesNotRecurseIntoDeepNesting() throws Exception {
    byte[] frame = concat(repeat(0x91, 500_000), hex("c0 07"));
    MessageUnpacker u = read(frame);
    unpacker.skip(frame.length);
    assertEquals(7, u.unpackInt());
  }

  @Test
  void aFrameHoldsAtMostItsCountOfValuesWhereverTheyAre() throws Exception {
    // {"a": [1, {"b": nil}], "c": "d"}: 9 values (the map, 2 keys, 2 values, and 4 inside)
    byte[] frame = hex("82 a1 61 92 01 81 a1 62 c0 a1 63 a1 64");
    unpacker.reset(frame, 9);
    unpacker.skip(frame.length);
    unpacker.reset(frame, 8);
    MessageSizeException e =
        assertThrows(MessageSizeException.class, () -> unpacker.skip(frame.length));
    assertEquals("a frame of more than 8 msgpack values (Limits.maxElements)", e.getMessage());
    // The count goes on over several values of one frame.
    byte[] two = hex("93 01 02 03 93 01 02 03");
    unpacker.reset(two, 7);
    unpacker.skip(two.length);
    assertThrows(MessageSizeException.class, () -> unpacker.skip(two.length));
  }

  @Test
  void anArrayOfAMillionEmptyArraysIsRefusedAtItsHeader() throws Exception {
    byte[] frame = concat(hex("dd 00 0f 42 40"), repeat(0x90, 1_000_000));
    MessageUnpacker u = unpacker.reset(frame, 1000);
    assertThrows(MessageSizeException.class, () -> unpacker.skip(frame.length));
    assertEquals(5, u.getTotalReadBytes(), "refused at the array's header, before its elements");
    assertAllocatesAtMost(
        64 << 10,
        () -> {
          unpacker.reset(frame, 1000);
          unpacker.skip(frame.length);
        });
  }

  @ParameterizedTest
  @ValueSource(strings = {"dd ff ff ff ff", "df ff ff ff ff", "df 7f ff ff ff", "dc 00 09 01 02"})
  void containersClaimingMoreValuesThanBytesAreRefusedWithoutLooping(String start) {
    byte[] frame = concat(hex(start), repeat(0x01, 3));
    assertAllocatesAtMost(
        64 << 10,
        () ->
            assertThrows(
                MessageSizeException.class,
                () -> {
                  read(frame);
                  unpacker.skip(frame.length);
                }));
  }

  @Test
  void checkCountAllowsAsManyValuesAsBytesRemain() throws Exception {
    MessageUnpacker u = read(hex("01 02 03"));
    Msgpack.checkCount(u, 3, 3);
    assertThrows(MessageSizeException.class, () -> Msgpack.checkCount(u, 4, 3));
  }

  @Test
  void packerIsThisThreadsAndComesCleared() throws Exception {
    MessageBufferPacker p = Msgpack.packer();
    p.packInt(1);
    MessageBufferPacker again = Msgpack.packer();
    assertSame(p, again, "one packer per thread");
    assertEquals(0, again.toByteArray().length);
  }
}
