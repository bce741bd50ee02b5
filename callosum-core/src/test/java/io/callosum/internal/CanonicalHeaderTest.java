package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.Limits;
import io.callosum.Metadata;
import io.callosum.OrderKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link CanonicalHeader} against {@link HeaderCodec}'s general code: every header it writes is
 * byte for byte the packer's, every frame it reads decodes to the same header through the unpacker
 * — on Python's frames, on headers over the encodings' boundaries, and on every truncation and many
 * one-byte changes of them — and it writes and reads the headers it is for.
 */
class CanonicalHeaderTest {
  private static final int MAX_OKEY = 64;
  private static final int MAX_VALUES = 1000;

  /** An order key in an encoding the canonical code leaves to the general one. */
  private static final OrderKey UINT16_OKEY =
      OrderKey.fromEncoded(new byte[] {(byte) 0xcd, 0x01, 0x00});

  private final CanonicalHeader reader = new CanonicalHeader();

  private static String ascii(int length) {
    char[] c = new char[length];
    for (int i = 0; i < length; i++) {
      c[i] = (char) ('a' + i % 26);
    }
    return new String(c);
  }

  /** Headers over the boundaries of each value's encodings, canonical or not. */
  private static List<Header> headers() {
    List<Header> hs = new ArrayList<>();
    String[] methods = {"", "echo", ascii(31), ascii(32), ascii(255), ascii(256), "caf\u00e9"};
    OrderKey[] okeys = {
      OrderKey.NONE,
      OrderKey.of("k"),
      OrderKey.of(ascii(40)),
      OrderKey.ofBytes(new byte[40]),
      OrderKey.fromEncoded(new byte[] {(byte) 0xc0}),
      OrderKey.fromEncoded(new byte[] {0x05}),
      UINT16_OKEY,
    };
    long[] seqs = {0, 1, 127, 128, 255, 256, 65535, 65536, Header.MAX_SEQ};
    long[] deadlines = {0, 1, 127, 128, 65536, Header.MAX_DEADLINE_MILLIS};
    for (MessageType type : MessageType.values()) {
      if (type == MessageType.NULL || type.isStream() || type.isChunk()) {
        continue;
      }
      for (String method : methods) {
        for (OrderKey okey : okeys) {
          hs.add(header(type, method, okey, 7, type == MessageType.RESULT, 0));
        }
      }
      for (long seq : seqs) {
        for (long dl : deadlines) {
          hs.add(header(type, "m", OrderKey.NONE, seq, false, dl));
        }
      }
    }
    Header call = header(MessageType.FUNCTION, "add", OrderKey.of("k"), 3, false, 100);
    hs.add(
        new Header(
            MessageType.FUNCTION,
            "add",
            OrderKey.NONE,
            3,
            false,
            List.of(new CallId(42, 3)),
            0,
            0,
            0,
            0,
            Metadata.EMPTY,
            0));
    hs.add(call.stream(MessageType.STREAM_ITEM, Header.DOWNSTREAM, 0, 0));
    hs.add(call.chunked(5000));
    hs.add(
        new Header(
            MessageType.RESULT,
            "m",
            OrderKey.NONE,
            1,
            false,
            List.of(),
            0,
            0,
            0,
            0,
            Metadata.builder().put("a", "b").build(),
            0));
    return hs;
  }

  private static Header header(
      MessageType type, String method, OrderKey okey, long seq, boolean zip, long dl) {
    return new Header(type, method, okey, seq, zip, List.of(), 0, 0, 0, 0, Metadata.EMPTY, dl);
  }

  /** Whether {@code h} is one of the headers the canonical code is for. */
  private static boolean canonical(Header h) {
    return h.chain().isEmpty()
        && h.streams() == 0
        && h.chunkTotal() == 0
        && h.metadata().isEmpty()
        && h.method().length() < 256
        && h.method().chars().allMatch(c -> c < 0x80)
        && !h.orderKey().equals(UINT16_OKEY);
  }

  private Header general(byte[] frame) throws BadMessageException {
    return HeaderCodec.decode(
        frame,
        MAX_OKEY,
        8,
        MAX_VALUES,
        Limits.DEFAULT_MAX_METADATA_ENTRIES,
        Limits.DEFAULT_MAX_METADATA_SIZE,
        false);
  }

  /** The canonical reading of {@code frame} is null or the general one; null if that refuses. */
  private void readsAlike(byte[] frame) {
    Header fast = reader.read(frame, MAX_OKEY, MAX_VALUES);
    Header slow;
    try {
      slow = general(frame);
    } catch (BadMessageException e) {
      assertNull(fast, () -> "read what the general code refuses: " + e.getMessage());
      return;
    }
    if (fast != null) {
      assertEquals(slow, fast, () -> "frame " + Arrays.toString(frame));
    }
  }

  @Test
  void writesWhatThePackerWritesAndReadsWhatTheUnpackerReads() throws Exception {
    int written = 0;
    for (Header h : headers()) {
      byte[] packed = HeaderCodec.encodeWithPacker(h);
      byte[] fast = CanonicalHeader.write(h);
      if (canonical(h)) {
        assertNotNull(fast, h::toString);
        written++;
      }
      if (fast != null) {
        assertArrayEquals(packed, fast, h::toString);
      }
      Header read = reader.read(packed, MAX_OKEY, MAX_VALUES);
      if (canonical(h)) {
        assertEquals(h, read, h::toString);
      }
      readsAlike(packed);
    }
    assertTrue(written > 500, "most generated headers are canonical: " + written);
  }

  @Test
  void readsPythonsFrames() {
    for (byte[] frame :
        List.of(
            MessageCodecWireTest.REQUEST_HEADER,
            MessageCodecWireTest.RESULT_HEADER,
            MessageCodecWireTest.CANCEL_HEADER,
            MessageCodecWireTest.CANCELLED_HEADER)) {
      assertNotNull(reader.read(frame, MAX_OKEY, MAX_VALUES), () -> Arrays.toString(frame));
      readsAlike(frame);
    }
    assertSame(
        OrderKey.NONE,
        reader.read(MessageCodecWireTest.REQUEST_HEADER, MAX_OKEY, MAX_VALUES).orderKey(),
        "the empty bin okey is the shared NONE");
  }

  @Test
  void everyTruncationAndOneByteChangeReadsAlikeOrIsDeclined() {
    byte[] interesting = {
      0x00,
      0x01,
      0x05,
      0x7f,
      (byte) 0x80,
      (byte) 0x85,
      (byte) 0x86,
      (byte) 0xa0,
      (byte) 0xa4,
      (byte) 0xbf,
      (byte) 0xc0,
      (byte) 0xc1,
      (byte) 0xc2,
      (byte) 0xc3,
      (byte) 0xc4,
      (byte) 0xcc,
      (byte) 0xcd,
      (byte) 0xce,
      (byte) 0xcf,
      (byte) 0xd0,
      (byte) 0xd9,
      (byte) 0xe0,
      (byte) 0xff
    };
    List<byte[]> frames = new ArrayList<>();
    frames.add(MessageCodecWireTest.REQUEST_HEADER);
    frames.add(MessageCodecWireTest.CANCEL_HEADER);
    frames.add(
        HeaderCodec.encodeWithPacker(
            header(MessageType.FUNCTION, ascii(40), OrderKey.of("key"), 70000, true, 3000)));
    for (byte[] frame : frames) {
      FrameVariants.each(frame, interesting, this::readsAlike);
    }
  }

  @Test
  void declinesWhatIsOverTheLimitsForTheGeneralCodeToRefuse() {
    byte[] frame =
        HeaderCodec.encodeWithPacker(
            header(MessageType.FUNCTION, "m", OrderKey.of(ascii(20)), 1, false, 0));
    assertNotNull(reader.read(frame, 21, 1));
    assertNull(reader.read(frame, 20, 1), "okey over the size limit");
    assertNull(reader.read(frame, 21, 0), "no values allowed");
  }

  @Test
  void aMethodNameSeenAgainIsTheSameString() {
    Header a = reader.read(MessageCodecWireTest.REQUEST_HEADER, MAX_OKEY, MAX_VALUES);
    Header b = reader.read(MessageCodecWireTest.RESULT_HEADER, MAX_OKEY, MAX_VALUES);
    assertSame(a.method(), b.method());
    Header c = reader.read(MessageCodecWireTest.CANCEL_HEADER, MAX_OKEY, MAX_VALUES);
    assertEquals("sleep", c.method());
  }
}
