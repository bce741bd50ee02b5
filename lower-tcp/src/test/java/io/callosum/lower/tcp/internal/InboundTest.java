package io.callosum.lower.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.callosum.AuthenticationException;
import io.callosum.CallosumException;
import io.callosum.lower.Envelope;
import io.callosum.lower.MemoryBudget;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The receiving side of a connection alone: bytes from a fake socket, and a fake connection that
 * records what each record made it do, in each phase.
 */
class InboundTest {
  private static final int MAX_FRAME = 1 << 20;

  /** The connection as the receiving side sees it: it notes every call. */
  private static final class FakeConnection implements Inbound.Target {
    final List<String> events = new ArrayList<>();
    final Set<Integer> open = new HashSet<>();
    final List<Envelope> delivered = new ArrayList<>();
    final List<byte[]> frames = new ArrayList<>();
    CallosumException failure;

    /** The security layer: each record opens as itself, unless it fails with this... */
    SecurityFailure refusal;

    /** ...or opens as this. */
    byte[] opensAs;

    /** Whether the security layer opens DATA frames into the arrays it is given, as CURVE does. */
    boolean opensInParts;

    @Override
    public void preambleAccepted() {
      events.add("preamble");
    }

    @Override
    public void handshakeFrame(byte[] frame) {
      events.add("handshake " + Wire.hex(frame, 0, frame.length));
    }

    @Override
    public byte[] open(byte[] record, ConnectionSecurity.DataTarget into) throws SecurityFailure {
      if (refusal != null) {
        throw refusal;
      }
      byte[] frame = opensAs != null ? opensAs : record;
      if (opensInParts && (frame[0] & 0xff) == Wire.DATA) {
        int headerLength = Wire.getInt(frame, 5);
        int headerEnd = Wire.DATA_FRAME_HEADER + headerLength;
        byte[][] parts = into.into(Wire.getInt(frame, 1), headerLength, frame.length - headerEnd);
        if (parts != null) {
          System.arraycopy(frame, Wire.DATA_FRAME_HEADER, parts[0], 0, headerLength);
          System.arraycopy(frame, headerEnd, parts[1], 0, frame.length - headerEnd);
          return null;
        }
      }
      return frame;
    }

    @Override
    public boolean isOpen(int number) {
      return open.contains(number);
    }

    @Override
    public boolean deliver(int number, Envelope e) {
      if (!open.contains(number)) {
        return false;
      }
      events.add("deliver " + number);
      delivered.add(e);
      return true;
    }

    @Override
    public void channelFrame(int kind, int number, byte[] frame) {
      events.add("channel frame " + kind + " " + number);
      frames.add(frame);
    }

    @Override
    public void pinged() {
      events.add("ping");
    }

    @Override
    public void abort(int code, String reason) {
      events.add("abort " + Wire.codeName(code) + ": " + reason);
    }

    @Override
    public void fail(CallosumException cause) {
      events.add("fail");
      failure = cause;
    }
  }

  /** A socket that hands out the chunks queued in it, then -1 if closed, or throws. */
  private static final class FakeSocket implements ReadableByteChannel {
    final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    boolean closedByRemote;
    IOException fail;

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (fail != null) {
        throw fail;
      }
      byte[] c = chunks.poll();
      if (c == null) {
        return closedByRemote ? -1 : 0;
      }
      int n = Math.min(c.length, dst.remaining());
      dst.put(c, 0, n);
      if (n < c.length) {
        byte[] rest = new byte[c.length - n];
        System.arraycopy(c, n, rest, 0, rest.length);
        chunks.addFirst(rest);
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  private final AtomicLong now = new AtomicLong(5_000);
  private final FakeConnection connection = new FakeConnection();
  private final FakeSocket socket = new FakeSocket();
  private final ByteBuffer buffer = ByteBuffer.allocate(256);
  private final Inbound in = new Inbound("peer-1", "NULL", connection, now::get, MemoryBudget.NONE);

  /** The records, each with its 4-byte length. */
  private static byte[] records(byte[]... frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] f : frames) {
      out.writeBytes(ByteBuffer.allocate(4).putInt(f.length).array());
      out.writeBytes(f);
    }
    return out.toByteArray();
  }

  private void feed(byte[] bytes) {
    socket.chunks.add(bytes);
    for (int i = 0; i < 1000 && !socket.chunks.isEmpty(); i++) {
      assertNull(in.read(socket, buffer, Long.MAX_VALUE));
    }
  }

  /** The preamble, then the data phase as a connection enters it once the handshake is done. */
  private void established(boolean plain) {
    feed(Wire.preamble("NULL"));
    in.enterData(MAX_FRAME, plain);
    connection.events.clear();
  }

  @Test
  void aGoodPreambleStartsTheHandshakeAndABadOneIsAborted() {
    feed(Wire.preamble("NULL"));
    assertEquals(List.of("preamble"), connection.events);

    Inbound curve = new Inbound("peer-1", "CURVE", connection, now::get, MemoryBudget.NONE);
    socket.chunks.add(Wire.preamble("NULL"));
    curve.read(socket, buffer, Long.MAX_VALUE);
    assertEquals(
        "abort authentication failed: " + Wire.checkPreamble(Wire.preamble("NULL"), "CURVE"),
        connection.events.get(1));

    Inbound garbage = new Inbound("peer-1", "NULL", connection, now::get, MemoryBudget.NONE);
    socket.chunks.add("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    garbage.read(socket, buffer, Long.MAX_VALUE);
    assertEquals(
        "abort protocol error: not a Callosum TCP preamble (bytes 47455420)",
        connection.events.get(2));
  }

  @Test
  void beforeTheHandshakeIsDoneOnlyHandshakeFramesAndAbortCount() {
    connection.refusal = new SecurityFailure(SecurityFailure.Kind.PROTOCOL, "never opened here");
    feed(Wire.preamble("NULL"));
    feed(records(Wire.handshake(new byte[] {1, 2, 3})));
    feed(records(Wire.dataFrame(1, new byte[1], new byte[1])));
    assertEquals(
        List.of(
            "preamble",
            "handshake 010203",
            "abort protocol error: frame kind 0x4 before the security handshake completed"),
        connection.events);
  }

  @Test
  void anAbortInTheHandshakeEndsTheConnectionWithItsKindAndReason() {
    feed(Wire.preamble("NULL"));
    feed(records(Wire.abort(Wire.AUTHENTICATION, "unknown key")));
    AuthenticationException e = assertInstanceOf(AuthenticationException.class, connection.failure);
    assertEquals(
        "peer-1 closed the connection (authentication failed): unknown key", e.getMessage());
  }

  @Test
  void dataForAnOpenChannelIsDeliveredAndForAnotherGoesToTheEndpoint() {
    established(false);
    connection.open.add(7);
    byte[] toSeven = Wire.dataFrame(7, new byte[] {1, 2}, new byte[] {3, 4, 5});
    byte[] toEight = Wire.dataFrame(8, new byte[] {1}, new byte[0]);
    feed(records(toSeven, toEight));
    assertEquals(List.of("deliver 7", "channel frame 4 8"), connection.events);
    assertArrayEquals(new byte[] {1, 2}, connection.delivered.get(0).header());
    assertArrayEquals(new byte[] {3, 4, 5}, connection.delivered.get(0).body());
    assertArrayEquals(toEight, connection.frames.get(0));
  }

  @Test
  void dataOpenedIntoItsEnvelopesArraysIsDeliveredAndForAClosedChannelGoesToTheEndpoint() {
    established(false);
    connection.opensInParts = true;
    connection.open.add(7);
    byte[] toSeven = Wire.dataFrame(7, new byte[] {1, 2}, new byte[] {3, 4, 5});
    byte[] toEight = Wire.dataFrame(8, new byte[] {1}, new byte[0]);
    feed(records(toSeven, toEight, toSeven));
    assertEquals(List.of("deliver 7", "channel frame 4 8", "deliver 7"), connection.events);
    for (Envelope e : connection.delivered) {
      assertArrayEquals(new byte[] {1, 2}, e.header());
      assertArrayEquals(new byte[] {3, 4, 5}, e.body());
    }
    assertNotSame(connection.delivered.get(0).body(), connection.delivered.get(1).body());
    assertArrayEquals(toEight, connection.frames.get(0));
  }

  @Test
  void plainDataIsReadDirectlyAndADataRecordForAChannelClosedMeanwhileGoesToTheEndpoint() {
    established(true);
    connection.open.add(7);
    byte[] body = new byte[1000];
    body[999] = 9;
    byte[] frame = Wire.dataFrame(7, new byte[] {1}, body);
    byte[] bytes = records(frame);
    feed(Arrays.copyOf(bytes, 100)); // the channel is open when the record begins
    connection.open.remove(7);
    feed(Arrays.copyOfRange(bytes, 100, bytes.length));
    assertEquals(List.of("channel frame 4 7"), connection.events);
    assertArrayEquals(frame, connection.frames.get(0));

    connection.open.add(7);
    feed(bytes);
    assertEquals("deliver 7", connection.events.get(1));
    assertArrayEquals(body, connection.delivered.get(0).body());
  }

  @Test
  void pingIsAnsweredPongIgnoredAndChannelFramesGoToTheEndpoint() {
    established(false);
    byte[] close = Wire.close(3, "bye");
    feed(
        records(
            new byte[] {(byte) Wire.PING},
            new byte[] {(byte) Wire.PONG},
            close,
            Wire.channelFrame(Wire.CREDIT, 0x8000_0001, new byte[4])));
    assertEquals(
        List.of("ping", "channel frame 3 3", "channel frame 12 " + 0x8000_0001), connection.events);
    assertArrayEquals(close, connection.frames.get(0));
  }

  @Test
  void malformedFramesOfTheDataPhaseAreAbortedWithTheirReason() {
    byte[][] bad = {
      {(byte) 0x7f},
      {(byte) Wire.CLOSE, 0, 0, 1},
      {(byte) Wire.DATA, 0, 0, 0, 1, 0, 0},
      Wire.dataFrame(1, new byte[2], new byte[0]).clone(),
    };
    bad[3][8] = 3; // a header length of 3 in a frame with 2 bytes after its prefix
    established(false);
    feed(records(bad));
    assertEquals(
        List.of(
            "abort protocol error: unknown frame kind 0x7f",
            "abort protocol error: truncated channel frame of 4 bytes",
            "abort protocol error: truncated DATA frame of 7 bytes",
            "abort protocol error: DATA frame with a header length of 3 in 11 bytes"),
        connection.events);
  }

  @Test
  void aRecordTheSecurityLayerRefusesOrAnEmptyFrameIsAborted() {
    established(false);
    connection.refusal = new SecurityFailure(SecurityFailure.Kind.PROTOCOL, "replayed");
    feed(records(new byte[] {(byte) Wire.PING}));
    connection.refusal = new SecurityFailure(SecurityFailure.Kind.AUTHENTICATION, "forged");
    feed(records(new byte[] {(byte) Wire.PING}));
    connection.refusal = null;
    connection.opensAs = new byte[0];
    feed(records(new byte[] {(byte) Wire.PING}));
    assertEquals(
        List.of(
            "abort protocol error: refused frame: replayed",
            "abort authentication failed: refused frame: forged",
            "abort protocol error: empty frame"),
        connection.events);
  }

  @Test
  void recordsMayBeFrameSizedOnlyOnceTheHandshakeIsDone() {
    feed(Wire.preamble("NULL"));
    feed(ByteBuffer.allocate(4).putInt(Wire.MAX_HANDSHAKE_RECORD + 1).array());
    assertEquals("abort limit exceeded", connection.events.get(1).substring(0, 20));

    Inbound sealed = new Inbound("peer-1", "NULL", connection, now::get, MemoryBudget.NONE);
    socket.chunks.add(Wire.preamble("NULL"));
    sealed.read(socket, buffer, Long.MAX_VALUE);
    sealed.enterData(MAX_FRAME, false);
    socket.chunks.add(ByteBuffer.allocate(4).putInt(MAX_FRAME + Wire.SEAL_ALLOWANCE + 1).array());
    sealed.read(socket, buffer, Long.MAX_VALUE);
    assertEquals("abort limit exceeded", connection.events.get(3).substring(0, 20));
    assertEquals(4, connection.events.size());

    socket.chunks.clear();
    Inbound roomy = new Inbound("peer-1", "NULL", connection, now::get, MemoryBudget.NONE);
    socket.chunks.add(Wire.preamble("NULL"));
    roomy.read(socket, buffer, Long.MAX_VALUE);
    roomy.enterData(MAX_FRAME, false);
    socket.chunks.add(ByteBuffer.allocate(4).putInt(MAX_FRAME + Wire.SEAL_ALLOWANCE).array());
    roomy.read(socket, buffer, Long.MAX_VALUE);
    assertEquals(5, connection.events.size(), "a sealed frame of the limit is no problem");
  }

  @Test
  void readingCountsBytesNotesTheTimeAndReportsTheEndOfTheSocket() {
    now.set(7_000);
    feed(Wire.preamble("NULL"));
    assertEquals(Wire.PREAMBLE_SIZE, in.bytesIn());
    assertEquals(7_000, in.lastRead());
    now.set(9_000);
    in.enterData(MAX_FRAME, true);
    assertEquals(9_000, in.lastRead(), "the heartbeat counts from the end of the handshake");

    assertNull(in.read(socket, buffer, Long.MAX_VALUE), "nothing to read");
    socket.closedByRemote = true;
    assertEquals(
        "connection to peer-1 closed by the remote",
        in.read(socket, buffer, Long.MAX_VALUE).getMessage());
    socket.fail = new IOException("reset");
    assertEquals(
        "connection to peer-1 lost: reset", in.read(socket, buffer, Long.MAX_VALUE).getMessage());
  }

  @Test
  void aStoppedInboundReadsNothingMore() {
    established(false);
    in.stop();
    socket.chunks.add(records(new byte[] {(byte) Wire.PING}));
    assertNull(in.read(socket, buffer, Long.MAX_VALUE));
    assertEquals(1, socket.chunks.size(), "not even read from the socket");
    assertEquals(List.of(), connection.events);
  }
}
