package io.callosum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** An order key keeps its exact encoding; what codecs read it from and write it into. */
class OrderKeyTest {
  @Test
  void aStrKeyAndABinKeyOfTheSameBytesDiffer() {
    assertNotEquals(OrderKey.of("k"), OrderKey.ofBytes(new byte[] {'k'}));
    assertTrue(OrderKey.of("k").isString());
    assertEquals(OrderKey.of("k"), OrderKey.fromEncoded(new byte[] {(byte) 0xa1, 'k'}));
  }

  @Test
  void aKeyReadFromAFrameRangeIsThatRangeCopied() {
    byte[] frame = {9, (byte) 0xa1, 'k', 9};
    OrderKey key = OrderKey.fromEncoded(frame, 1, 3);
    frame[2] = 'x';
    assertEquals(OrderKey.of("k"), key, "copied, not a view of the frame");
    assertSame(
        OrderKey.NONE,
        OrderKey.fromEncoded(new byte[] {1, (byte) 0xc4, 0x00, 2}, 1, 3),
        "the empty bin is the shared NONE");
    assertThrows(IllegalArgumentException.class, () -> OrderKey.fromEncoded(frame, 2, 2));
    assertThrows(IndexOutOfBoundsException.class, () -> OrderKey.fromEncoded(frame, 3, 5));
    assertThrows(IndexOutOfBoundsException.class, () -> OrderKey.fromEncoded(frame, 2, 1));
  }

  @Test
  void copyToWritesTheEncodingAtAnOffset() {
    OrderKey key = OrderKey.ofBytes(new byte[] {1, 2});
    byte[] dst = new byte[6];
    key.copyTo(dst, 1);
    assertArrayEquals(new byte[] {0, (byte) 0xc4, 2, 1, 2, 0}, dst);
    assertEquals(4, key.encodedSize());
    assertThrows(IndexOutOfBoundsException.class, () -> key.copyTo(dst, 3));
  }
}
