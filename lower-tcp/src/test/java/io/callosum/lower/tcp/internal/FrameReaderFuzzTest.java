package io.callosum.lower.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.callosum.testing.FuzzInput;
import io.callosum.testing.FuzzSeeds;
import io.callosum.testing.ThreadAllocation;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A fuzz target of the TCP lower's frame reader (docs/FUZZING.md): the input is a configuration
 * (the record limit, whether plain DATA is read directly, how the bytes are split) and a byte
 * stream, fed in pieces of the sizes a seeded random picks. What the reader reports must equal a
 * one-shot parse of the same stream (the preamble, each whole record up to the limit, direct DATA
 * for even channels, and a malformed length that stops it); it never throws, and what it holds for
 * a partial record is at most twice what has arrived of it (an announced length alone costs
 * nothing).
 */
class FrameReaderFuzzTest {
  private static final HexFormat HEX = HexFormat.of();

  @FuzzTest
  void stream(byte[] data) throws Exception {
    FuzzInput in = new FuzzInput(data);
    int maxRecord = 1 + in.u16();
    boolean direct = in.bool();
    Random splits = new Random(in.u16());
    byte[] stream = in.rest();

    List<String> seen = new ArrayList<>();
    FrameReader[] reader = new FrameReader[1];
    reader[0] =
        new FrameReader(
            new FrameReader.Records() {
              @Override
              public void preamble(byte[] p) {
                seen.add("P " + HEX.formatHex(p));
                reader[0].limit(maxRecord, "", direct);
              }

              @Override
              public void record(byte[] r) {
                seen.add("R " + HEX.formatHex(r));
              }

              @Override
              public boolean direct(int channel) {
                return channel % 2 == 0;
              }

              @Override
              public void data(int channel, byte[] header, byte[] body) {
                seen.add("D " + HEX.formatHex(Wire.dataFrame(channel, header, body)));
              }

              @Override
              public void malformed(String problem) {
                seen.add("M");
              }
            });
    int at = 0;
    while (at < stream.length && !reader[0].stopped()) {
      int n = Math.min(stream.length - at, 1 + splits.nextInt(splits.nextBoolean() ? 8 : 4096));
      ThreadAllocation.Mark mark = ThreadAllocation.mark();
      reader[0].consume(ByteBuffer.wrap(stream, at, n));
      // Buffers grow as bytes arrive, to twice what arrived: a growth copies at most a record (64
      // KiB).
      mark.check((64 << 10) + 4L * (64 << 10) + 8L * n, "consuming " + n + " bytes");
      at += n;
    }
    Parse expected = parse(stream, maxRecord, direct);
    assertEquals(expected.events, seen);
    if (!reader[0].stopped()) {
      assertTrue(
          reader[0].held() <= 2L * expected.partial,
          "holds " + reader[0].held() + " for a partial record of " + expected.partial + " bytes");
    }
  }

  /**
   * What a reader must report for {@code s}, read at once; {@code partial}: bytes of an unfinished
   * record's content.
   */
  private record Parse(List<String> events, long partial) {}

  private static Parse parse(byte[] s, int maxRecord, boolean direct) {
    List<String> events = new ArrayList<>();
    if (s.length < Wire.PREAMBLE_SIZE) {
      return new Parse(events, 0);
    }
    events.add("P " + HEX.formatHex(s, 0, Wire.PREAMBLE_SIZE));
    int at = Wire.PREAMBLE_SIZE;
    while (s.length - at >= 4) {
      int len = Wire.getInt(s, at);
      if (len <= 0 || len > maxRecord) {
        events.add("M");
        return new Parse(events, 0);
      }
      at += 4;
      if (s.length - at < len) {
        return new Parse(events, s.length - at);
      }
      byte[] r = Arrays.copyOfRange(s, at, at + len);
      at += len;
      boolean data =
          direct
              && len >= Wire.DATA_FRAME_HEADER
              && (r[0] & 0xff) == Wire.DATA
              && Wire.getInt(r, 5) >= 0
              && Wire.getInt(r, 5) <= len - Wire.DATA_FRAME_HEADER
              && Wire.getInt(r, 1) % 2 == 0;
      events.add((data ? "D " : "R ") + HEX.formatHex(r));
    }
    return new Parse(events, 0);
  }

  @Test
  void seeds() {
    byte[] preamble = Wire.preamble(NullSecurity.NAME);
    byte[] open = Wire.channelFrame(Wire.OPEN, 1, new byte[] {(byte) 0x80});
    byte[] data = Wire.dataFrame(2, new byte[] {1, 2, 3}, new byte[] {4, 5});
    byte[] odd = Wire.dataFrame(3, new byte[] {1}, new byte[0]);
    ByteBuffer plain = ByteBuffer.allocate(200).put(preamble);
    for (byte[] f : List.of(open, data, odd, new byte[] {(byte) Wire.PING})) {
      plain.putInt(f.length).put(f);
    }
    plain.putInt(100).put(new byte[10]); // a partial record
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    seeds.put(
        "plain",
        new FuzzInput.Writer()
            .u16(1024)
            .u8(1)
            .u16(7)
            .bytes(Arrays.copyOf(plain.array(), plain.position()))
            .toByteArray());
    seeds.put(
        "too-long",
        new FuzzInput.Writer().u16(16).u8(0).u16(1).bytes(preamble).u32(17).toByteArray());
    FuzzSeeds.check(getClass(), Map.of("stream", seeds));
  }
}
