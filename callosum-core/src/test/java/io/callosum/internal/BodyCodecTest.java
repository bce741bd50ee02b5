package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.internal.MessageCodec.BodyFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * Body frames written straight into their array are msgpack-core's bytes, and the usual ones read
 * straight in their bytes ({@link BodyCodec#canonical}) read as msgpack-core's unpacker reads them
 * — over every bin header's boundaries, on Python's frames, and on truncations and one-byte
 * changes; a body that is nearly its whole frame is read as a view into it, any other copied out.
 */
class BodyCodecTest {
  private static final int[] SIZES = {0, 1, 255, 256, 65535, 65536, 70000};

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + 7);
    }
    return b;
  }

  /** The frame as msgpack-core's packer writes it. */
  private static byte[] packed(byte[] meta, byte[] body) throws IOException {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packMapHeader(2).packString("meta").packBinaryHeader(meta.length).writePayload(meta);
      p.packString("body");
      if (body == null) {
        p.packNil();
      } else {
        p.packBinaryHeader(body.length).writePayload(body);
      }
      return p.toByteArray();
    }
  }

  /** The canonical reading is null or the general one; null where the general code refuses. */
  private static void readsAlike(byte[] map) {
    BodyFrame fast = BodyCodec.canonical(map);
    BodyFrame slow;
    try {
      slow = BodyCodec.general(map, 1000);
    } catch (BadMessageException e) {
      assertNull(fast, () -> "read what the general code refuses: " + e.getMessage());
      return;
    }
    if (fast != null) {
      assertArrayEquals(slow.meta(), fast.meta());
      assertArrayEquals(slow.body(), fast.body());
    }
  }

  @Test
  void writesWhatThePackerWritesAndReadsItBack() throws Exception {
    for (int m : new int[] {0, 1, 255, 256, 65536}) {
      byte[] meta = bytes(m);
      List<byte[]> bodies = new ArrayList<>();
      bodies.add(null);
      for (int b : SIZES) {
        bodies.add(bytes(b));
      }
      for (byte[] body : bodies) {
        byte[] frame = BodyCodec.encode(meta, body, false);
        assertArrayEquals(
            packed(meta, body), frame, () -> m + " " + (body == null ? "nil" : body.length));
        BodyFrame read = BodyCodec.canonical(frame);
        assertNotNull(read);
        assertArrayEquals(meta, read.meta());
        assertArrayEquals(body, read.body());
        readsAlike(frame);
        BodyFrame unzipped =
            BodyCodec.decode(BodyCodec.encode(meta, body, true), true, 1 << 20, 10);
        assertArrayEquals(meta, unzipped.meta());
        assertArrayEquals(body, unzipped.body());
      }
    }
  }

  @Test
  void readsPythonsFrames() {
    for (byte[] frame :
        List.of(
            MessageCodecWireTest.REQUEST_BODY,
            MessageCodecWireTest.RESULT_BODY,
            MessageCodecWireTest.NIL_BODY)) {
      assertNotNull(BodyCodec.canonical(frame), () -> Arrays.toString(frame));
      readsAlike(frame);
    }
  }

  @Test
  void everyTruncationAndOneByteChangeReadsAlikeOrIsDeclined() throws Exception {
    byte[] interesting = {
      0x00,
      0x01,
      0x05,
      (byte) 0x80,
      (byte) 0x81,
      (byte) 0x82,
      (byte) 0x83,
      (byte) 0xa4,
      (byte) 0xc0,
      (byte) 0xc1,
      (byte) 0xc4,
      (byte) 0xc5,
      (byte) 0xc6,
      (byte) 0xd9,
      (byte) 0xff
    };
    for (byte[] frame :
        List.of(
            MessageCodecWireTest.RESULT_BODY,
            MessageCodecWireTest.NIL_BODY,
            packed(bytes(3), bytes(300)),
            packed(new byte[0], new byte[0]))) {
      FrameVariants.each(frame, interesting, BodyCodecTest::readsAlike);
    }
  }

  @Test
  void declinesABinWithALongerHeaderThanItNeeds() throws Exception {
    byte[] frame = {
      (byte) 0x82,
      (byte) 0xa4,
      'm',
      'e',
      't',
      'a',
      (byte) 0xc5,
      0,
      1,
      7,
      (byte) 0xa4,
      'b',
      'o',
      'd',
      'y',
      (byte) 0xc0
    };
    assertNull(BodyCodec.canonical(frame));
    assertArrayEquals(
        new byte[] {7}, BodyCodec.general(frame, 10).meta(), "the general code reads it");
  }

  @Test
  void aHeadThenItsBodyIsTheFrame() {
    for (int metaSize : new int[] {0, 3, 300}) {
      for (int size : SIZES) {
        byte[] meta = bytes(metaSize);
        byte[] body = bytes(size);
        byte[] head = MessageCodec.encodeBodyHead(meta, size);
        byte[] joined = Arrays.copyOf(head, head.length + size);
        System.arraycopy(body, 0, joined, head.length, size);
        assertArrayEquals(BodyCodec.encode(meta, body, false), joined, metaSize + "/" + size);
      }
    }
  }

  @Test
  void aBodyThatIsNearlyTheWholeFrameIsAViewIntoIt() {
    byte[] body = bytes(65536);
    byte[] frame = BodyCodec.encode(new byte[0], body, false);
    BodyFrame read = BodyCodec.canonical(frame);
    assertNotNull(read);
    assertSame(frame, read.payload().array(), "not copied out of its frame");
    assertEquals(0, read.payload().position());
    assertEquals(body.length, read.payload().limit());
    assertArrayEquals(body, read.body());
  }

  @Test
  void aBodyWithMuchElseInItsFrameIsCopiedOut() {
    // A remote that pads an item's frame (its meta) must not make a small counted body hold the
    // whole frame: what a view holds stays within 9/8 of its size.
    byte[] body = bytes(8000);
    for (byte[] meta : List.of(bytes(1001), bytes(60_000))) {
      byte[] frame = BodyCodec.encode(meta, body, false);
      BodyFrame read = BodyCodec.canonical(frame);
      assertNotNull(read);
      assertNotSame(frame, read.payload().array(), meta.length + " bytes of meta");
      assertEquals(body.length, read.payload().array().length);
      assertArrayEquals(body, read.body());
    }
    byte[] small = bytes(100); // the frame's own 20 bytes are more than an eighth of it
    BodyFrame read = BodyCodec.canonical(BodyCodec.encode(new byte[0], small, false));
    assertNotNull(read);
    assertEquals(small.length, read.payload().array().length);
  }

  @Test
  void aViewedBodyIsReadWhereItIsAndCopiedOnceForAnArray() throws Exception {
    byte[] body = bytes(70000);
    byte[] frame = BodyCodec.encode(new byte[0], body, false);
    CodecBody b = new CodecBody(BodyCodec.canonical(frame).payload(), null);
    assertEquals(body.length, b.size());
    ByteBuffer view = b.buffer();
    assertTrue(view.isReadOnly());
    assertEquals(body.length, view.remaining());
    byte[] read = new byte[body.length];
    view.get(read);
    assertArrayEquals(body, read);
    assertEquals(body.length, b.buffer().remaining(), "each buffer starts at the first byte");
    byte[] array = b.bytes();
    assertArrayEquals(body, array);
    assertNotSame(frame, array);
    assertSame(array, b.bytes(), "made once");
    byte[] exact = bytes(10);
    CodecBody whole = new CodecBody(exact, null);
    assertSame(exact, whole.bytes());
    assertEquals(10, whole.size());
  }
}
