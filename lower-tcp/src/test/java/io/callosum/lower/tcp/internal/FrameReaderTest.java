package io.callosum.lower.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The frame reader alone: bytes in any pieces, records out, no socket. */
class FrameReaderTest {
  private static final int MAX = 1 << 20;
  private static final HexFormat HEX = HexFormat.of();

  /**
   * Records what the reader finds, as text; enters the data phase after the preamble when asked to.
   */
  private static final class Found implements FrameReader.Records {
    final List<String> events = new ArrayList<>();
    final Set<Integer> held;
    final boolean plainDataPhase;
    FrameReader reader;

    Found(Set<Integer> held, boolean plainDataPhase) {
      this.held = held;
      this.plainDataPhase = plainDataPhase;
    }

    @Override
    public void preamble(byte[] preamble) {
      events.add("preamble " + HEX.formatHex(preamble));
      if (plainDataPhase) {
        reader.limit(MAX, "", true);
      }
    }

    @Override
    public void record(byte[] record) {
      events.add("record " + HEX.formatHex(record));
    }

    @Override
    public boolean direct(int channel) {
      return held.contains(channel);
    }

    @Override
    public void data(int channel, byte[] header, byte[] body) {
      events.add("data " + channel + " " + HEX.formatHex(header) + "/" + HEX.formatHex(body));
    }

    @Override
    public void malformed(String problem) {
      events.add("malformed " + problem);
    }
  }

  private static Found reader(Set<Integer> held, boolean plainDataPhase) {
    Found f = new Found(held, plainDataPhase);
    f.reader = new FrameReader(f);
    return f;
  }

  private static byte[] record(byte[] content) {
    return ByteBuffer.allocate(4 + content.length).putInt(content.length).put(content).array();
  }

  private static byte[] data(int channel, byte[] header, byte[] body) {
    return ByteBuffer.allocate(Wire.DATA_FRAME_HEADER + header.length + body.length)
        .put((byte) Wire.DATA)
        .putInt(channel)
        .putInt(header.length)
        .put(header)
        .put(body)
        .array();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A stream of the data phase: the preamble, DATA for a held channel (read directly), DATA for
   * another channel, an empty-header DATA with an empty body, a PING, a DATA whose header length
   * overruns it (goes through the record buffer), and a short record of fewer bytes than a DATA
   * prefix.
   */
  private static byte[] stream() {
    return concat(
        Wire.preamble("NULL"),
        record(data(7, bytes("hdr"), bytes("body"))),
        record(data(9, bytes("h"), bytes("b"))),
        record(data(7, new byte[0], new byte[0])),
        record(new byte[] {(byte) Wire.PING}),
        record(
            ByteBuffer.allocate(Wire.DATA_FRAME_HEADER + 2)
                .put((byte) Wire.DATA)
                .putInt(7)
                .putInt(50)
                .put(bytes("xy"))
                .array()),
        record(new byte[] {(byte) Wire.CLOSE, 0, 0, 0, 7}));
  }

  private static List<String> feed(byte[] stream, int... cuts) {
    Found f = reader(Set.of(7), true);
    int from = 0;
    for (int cut : cuts) {
      f.reader.consume(ByteBuffer.wrap(stream, from, cut - from));
      from = cut;
    }
    f.reader.consume(ByteBuffer.wrap(stream, from, stream.length - from));
    return f.events;
  }

  @Test
  void wholeStreamGivesEveryRecordInOrder() {
    List<String> events = feed(stream());
    assertEquals(7, events.size(), events.toString());
    assertTrue(events.get(0).startsWith("preamble 434c534d02"), events.get(0));
    assertEquals(
        "data 7 " + HEX.formatHex(bytes("hdr")) + "/" + HEX.formatHex(bytes("body")),
        events.get(1));
    assertEquals(
        "record " + HEX.formatHex(data(9, bytes("h"), bytes("b"))),
        events.get(2),
        "another channel: a record");
    assertEquals("data 7 /", events.get(3), "empty header and body, read directly");
    assertEquals("record 05", events.get(4));
    assertTrue(
        events.get(5).startsWith("record 04000000070000003278"),
        "a bad header length goes to the record path");
    assertEquals("record 0300000007", events.get(6));
  }

  @Test
  void everySplitPointGivesTheSameRecords() {
    byte[] s = stream();
    List<String> whole = feed(s);
    for (int cut = 1; cut < s.length; cut++) {
      assertEquals(whole, feed(s, cut), "split at " + cut);
    }
  }

  @Test
  void everyPairOfSplitPointsGivesTheSameRecords() {
    byte[] s = stream();
    List<String> whole = feed(s);
    for (int a = 1; a < s.length; a++) {
      for (int b = a; b < s.length; b++) {
        assertEquals(whole, feed(s, a, b), "split at " + a + " and " + b);
      }
    }
  }

  @Test
  void byteByByteAndRandomPiecesGiveTheSameRecords() {
    byte[] s = stream();
    List<String> whole = feed(s);
    int[] each = new int[s.length - 1];
    for (int i = 0; i < each.length; i++) {
      each[i] = i + 1;
    }
    assertEquals(whole, feed(s, each));
    Random random = new Random(42);
    for (int round = 0; round < 200; round++) {
      int[] cuts = random.ints(random.nextInt(12), 1, s.length).sorted().toArray();
      assertEquals(whole, feed(s, cuts), Arrays.toString(cuts));
    }
  }

  @Test
  void largeRecordsGrowAsTheirBytesArriveAndComeOutWhole() {
    byte[] header = new byte[100_000];
    byte[] body = new byte[300_000];
    new Random(1).nextBytes(header);
    new Random(2).nextBytes(body);
    byte[] direct = record(data(7, header, body));
    byte[] other = record(data(8, header, body));
    Found f = reader(Set.of(7), true);
    f.reader.consume(ByteBuffer.wrap(Wire.preamble("NULL")));
    for (byte[] r : List.of(direct, other)) {
      f.reader.consume(ByteBuffer.wrap(r, 0, 4));
      assertEquals(0, f.reader.held(), "an announcement of " + r.length + " bytes alone");
      f.reader.consume(ByteBuffer.wrap(r, 4, Wire.DATA_FRAME_HEADER + 10));
      assertTrue(
          f.reader.held() <= 2 * (Wire.DATA_FRAME_HEADER + 10),
          "an announcement of " + r.length + " bytes holds " + f.reader.held());
      for (int at = 4 + Wire.DATA_FRAME_HEADER + 10; at < r.length; at += 1000) {
        f.reader.consume(ByteBuffer.wrap(r, at, Math.min(1000, r.length - at)));
        long received = Math.min(r.length, at + 1000L) - 4;
        assertTrue(
            f.reader.held() <= 2 * received,
            "held " + f.reader.held() + " after " + received + " bytes");
      }
    }
    assertEquals(
        List.of(
            "preamble " + HEX.formatHex(Wire.preamble("NULL")),
            "data 7 " + HEX.formatHex(header) + "/" + HEX.formatHex(body),
            "record " + HEX.formatHex(data(8, header, body))),
        f.events);
    assertEquals(0, f.reader.held(), "nothing held between records");
  }

  @Test
  void beforeTheHandshakeNothingIsReadDirectlyAndRecordsStaySmall() {
    Found f = reader(Set.of(7), false);
    byte[] s =
        concat(
            Wire.preamble("CURVE"),
            record(data(7, bytes("h"), bytes("b"))),
            ByteBuffer.allocate(4).putInt(Wire.MAX_HANDSHAKE_RECORD + 1).array(),
            new byte[100]);
    f.reader.consume(ByteBuffer.wrap(s));
    assertEquals(3, f.events.size(), f.events.toString());
    assertEquals("record " + HEX.formatHex(data(7, bytes("h"), bytes("b"))), f.events.get(1));
    assertEquals(
        "malformed frame length 65537 is outside 1..65536 (before the handshake completed)",
        f.events.get(2));
  }

  @Test
  void badLengthsStopTheReader() {
    for (int length : new int[] {0, -1, Integer.MIN_VALUE, MAX + 1}) {
      Found f = reader(Set.of(), true);
      byte[] s =
          concat(
              Wire.preamble("NULL"),
              ByteBuffer.allocate(4).putInt(length).array(),
              record(new byte[] {(byte) Wire.PING}));
      f.reader.consume(ByteBuffer.wrap(s));
      assertEquals(2, f.events.size(), f.events.toString());
      assertEquals(
          "malformed frame length " + Integer.toUnsignedString(length) + " is outside 1.." + MAX,
          f.events.get(1));
      assertTrue(f.reader.stopped());
      f.reader.consume(ByteBuffer.wrap(record(new byte[] {(byte) Wire.PING})));
      assertEquals(2, f.events.size(), "nothing is read after a bad length");
    }
  }

  @Test
  void aRecordAtTheLimitIsReadAndOneByteMoreIsNot() {
    Found f = reader(Set.of(), true);
    byte[] atLimit = new byte[MAX];
    atLimit[0] = (byte) Wire.PONG;
    f.reader.consume(
        ByteBuffer.wrap(
            concat(
                Wire.preamble("NULL"),
                record(atLimit),
                ByteBuffer.allocate(4).putInt(MAX + 1).array())));
    assertEquals(3, f.events.size());
    assertEquals("record ".length() + 2 * MAX, f.events.get(1).length());
    assertEquals("malformed frame length " + (MAX + 1) + " is outside 1.." + MAX, f.events.get(2));
  }

  @Test
  void truncatedInputGivesNothingForTheUnfinishedRecord() {
    byte[] s =
        concat(
            Wire.preamble("NULL"),
            record(data(7, bytes("hdr"), bytes("body"))),
            record(data(9, bytes("h"), bytes("b"))));
    int first = Wire.PREAMBLE_SIZE;
    int second = first + 4 + Wire.DATA_FRAME_HEADER + "hdr".length() + "body".length();
    for (int end = 0; end < s.length; end++) {
      Found f = reader(Set.of(7), true);
      f.reader.consume(ByteBuffer.wrap(s, 0, end));
      int complete = end < first ? 0 : end < second ? 1 : 2;
      assertEquals(complete, f.events.size(), "after " + end + " bytes: " + f.events);
    }
  }

  @Test
  void stoppingFromACallbackEndsReadingAtOnce() {
    Found f = reader(Set.of(), true);
    FrameReader.Records stopper =
        new FrameReader.Records() {
          @Override
          public void preamble(byte[] preamble) {
            f.preamble(preamble);
          }

          @Override
          public void record(byte[] record) {
            f.record(record);
            f.reader.stop();
          }

          @Override
          public boolean direct(int channel) {
            return false;
          }

          @Override
          public void data(int channel, byte[] header, byte[] body) {
            f.data(channel, header, body);
          }

          @Override
          public void malformed(String problem) {
            f.malformed(problem);
          }
        };
    FrameReader r = new FrameReader(stopper);
    f.reader = r;
    r.consume(
        ByteBuffer.wrap(
            concat(Wire.preamble("NULL"), record(new byte[] {5}), record(new byte[] {6}))));
    assertEquals(2, f.events.size(), f.events.toString());
    assertEquals(0, r.held());
  }
}
