package io.callosum.lower.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectionLostException;
import io.callosum.MessageTooLargeException;
import io.callosum.OverloadedException;
import io.callosum.lower.Envelope;
import io.callosum.lower.MemoryBudget;
import io.callosum.lower.tcp.internal.OutboundBufferTest.Taker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The sending side of a connection alone: a fake connection that says whether the caller is its
 * loop and records flush requests and cuts, a channel that takes N bytes per write, a fake clock.
 */
class OutboundTest {
  private static final long BACKLOG = 150_000;
  private static final long STALL = 1_000_000;
  private static final int MAX_FRAME = 100_000;

  /** The connection as the sending side sees it. */
  private static final class FakeConnection implements Outbound.Target {
    boolean inLoop;
    int flushes;
    int earlyFlushes;
    final List<String> cuts = new ArrayList<>();

    @Override
    public boolean inLoop() {
      return inLoop;
    }

    @Override
    public void flushSoon() {
      flushes++;
    }

    @Override
    public void flushEarly() {
      earlyFlushes++;
    }

    @Override
    public ConnectionLostException failSoon(ConnectionLostException cause, boolean cut) {
      cuts.add((cut ? "cut: " : "lost: ") + cause.getMessage());
      return cause;
    }
  }

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final OutboundBuffer buffer =
      new OutboundBuffer("peer-1", BACKLOG, STALL, 1 << 20, now::get, MemoryBudget.NONE);
  private final Taker socket = new Taker(1 << 20);
  private final FakeConnection connection = new FakeConnection();
  private final ByteBuffer scratch = ByteBuffer.allocate(4096);

  private Outbound plain() {
    return new Outbound("peer-1", socket, buffer, null, MAX_FRAME, connection);
  }

  /** Seals by prefixing a 0x5e byte; refuses once {@code keysGone[0]}. */
  private Outbound sealed(boolean[] keysGone) {
    Outbound.Sealer sealer =
        (frame, queue) -> {
          if (keysGone[0]) {
            return false;
          }
          byte[] box = new byte[frame.length + 1];
          box[0] = 0x5e;
          System.arraycopy(frame, 0, box, 1, frame.length);
          queue.accept(box);
          return true;
        };
    return new Outbound("peer-1", socket, buffer, sealer, MAX_FRAME, connection);
  }

  private void idle() {
    now.addAndGet(OutboundBuffer.IDLE_NANOS + 1);
  }

  private static Envelope envelope(int headerLength, int bodyLength) {
    byte[] header = new byte[headerLength];
    byte[] body = new byte[bodyLength];
    for (int i = 0; i < bodyLength; i++) {
      body[i] = (byte) i;
    }
    header[0] = 0x11;
    return new Envelope(header, body);
  }

  /** A whole record on the wire: its length, then the frame. */
  private static byte[] record(byte[] frame) {
    return ByteBuffer.allocate(4 + frame.length).putInt(frame.length).put(frame).array();
  }

  private byte[] flushAll(Outbound o) throws IOException {
    while (buffer.pending()) {
      o.flush(scratch);
    }
    return socket.taken.toByteArray();
  }

  @Test
  void aLoneSmallFrameFromASenderIsWrittenThroughWithoutTheLoop() {
    Outbound o = plain();
    idle();
    Envelope e = envelope(5, 300);
    o.data(7, e);
    assertArrayEquals(record(Wire.dataFrame(7, e.header(), e.body())), socket.taken.toByteArray());
    assertEquals(0, connection.flushes, "no wake-up of the loop");
    assertEquals(1, socket.writes);
  }

  @Test
  void aBodyInPiecesGoesOnTheWireAsTheFrameOfItsJoinedBody() throws IOException {
    Outbound o = plain();
    o.start();
    byte[] header = {0x11, 0x12};
    byte[] bodyHead = {0x21, 0x22, 0x23};
    Envelope through = Envelope.ofPieces(header, bodyHead, envelope(1, 40_000).bodyTail());
    Envelope queued = Envelope.ofPieces(header, bodyHead, envelope(1, 300).bodyTail());
    idle();
    o.data(7, through); // large: written through by the sender
    connection.inLoop = true;
    o.data(8, queued); // the loop's own: queued, then flushed
    byte[] wire = flushAll(o);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.write(record(Wire.dataFrame(7, header, through.body())));
    expected.write(record(Wire.dataFrame(8, header, queued.body())));
    assertArrayEquals(expected.toByteArray(), wire);
    assertEquals(3 + 40_000, through.bodyLength());
  }

  @Test
  void theLoopsOwnFramesAndOnesOverTheWriteThroughLimitAreQueuedAndFlushed() throws IOException {
    OutboundBuffer roomy =
        new OutboundBuffer("peer-1", 1 << 20, STALL, 1 << 20, now::get, MemoryBudget.NONE);
    Outbound o = new Outbound("peer-1", socket, roomy, null, 1 << 20, connection);
    o.start();
    idle();
    connection.inLoop = true;
    Envelope small = envelope(5, 10);
    o.data(1, small);
    connection.inLoop = false;
    idle();
    Envelope huge = envelope(5, Outbound.WRITE_THROUGH_MAX);
    o.data(2, huge);
    assertEquals(0, socket.taken.size(), "nothing written by the senders");
    assertEquals(1, connection.flushes, "one request until the loop has flushed");
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(record(Wire.dataFrame(1, small.header(), small.body())));
    expected.writeBytes(record(Wire.dataFrame(2, huge.header(), huge.body())));
    while (roomy.pending()) {
      o.flush(scratch);
    }
    assertArrayEquals(expected.toByteArray(), socket.taken.toByteArray());
  }

  @Test
  void underLoadSmallFramesQueueWhileALargeOneIsWrittenThroughWhenNothingIsQueued()
      throws IOException {
    Outbound o = plain();
    o.start();
    idle();
    Envelope first = envelope(5, 100);
    o.data(1, first);
    assertEquals(1, socket.writes, "the first small frame after a quiet spell goes through");
    Envelope busy = envelope(5, 100);
    o.data(2, busy);
    assertEquals(1, socket.writes, "a small frame right after it is queued for the loop");
    assertEquals(1, connection.flushes);
    Envelope behind = envelope(5, OutboundBuffer.LARGE_FRAME);
    o.data(3, behind);
    assertEquals(1, socket.writes, "a large frame does not pass a queued one");
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(record(Wire.dataFrame(1, first.header(), first.body())));
    expected.writeBytes(record(Wire.dataFrame(2, busy.header(), busy.body())));
    expected.writeBytes(record(Wire.dataFrame(3, behind.header(), behind.body())));
    flushAll(o);
    int flushes = connection.flushes;
    Envelope large = envelope(5, OutboundBuffer.LARGE_FRAME);
    o.data(4, large);
    expected.writeBytes(record(Wire.dataFrame(4, large.header(), large.body())));
    assertArrayEquals(expected.toByteArray(), socket.taken.toByteArray());
    assertEquals(flushes, connection.flushes, "a large frame, nothing queued: no wake-up");
    assertFalse(buffer.pending());
  }

  @Test
  void theLoopAsksForAnEarlyFlushOnceItQueuedEnoughFramesItself() throws IOException {
    Outbound o = plain();
    o.start();
    connection.inLoop = true;
    for (int i = 1; i < Outbound.EARLY_FLUSH - 1; i++) {
      o.data(1, envelope(1, 10));
      assertEquals(0, connection.earlyFlushes, "after " + i);
    }
    connection.inLoop = false;
    o.data(1, envelope(1, 10)); // another thread's frame does not count
    assertEquals(0, connection.earlyFlushes);
    connection.inLoop = true;
    byte[] relayed = Wire.dataFrame(1, new byte[1], new byte[10]);
    o.frame(relayed, null); // a frame a relay passes on counts like one of the loop's own
    assertEquals(0, connection.earlyFlushes);
    o.data(1, envelope(1, 10));
    assertEquals(1, connection.earlyFlushes, "asked once it queued enough");
    o.data(1, envelope(1, 10));
    assertEquals(1, connection.earlyFlushes, "asked once until it flushed");
    o.flush(scratch);
    for (int i = 1; i < Outbound.EARLY_FLUSH; i++) {
      o.data(1, envelope(1, 10));
    }
    assertEquals(1, connection.earlyFlushes, "a flush starts the count again");
    o.data(1, envelope(1, 10));
    assertEquals(2, connection.earlyFlushes);
    o.flush(scratch);
    int recordSize = record(relayed).length;
    assertEquals(
        (2 * Outbound.EARLY_FLUSH + 2) * recordSize, socket.taken.size(), "all of them written");
  }

  @Test
  void aPartlyWrittenFrameIsFinishedByTheLoop() throws IOException {
    Outbound o = plain();
    o.start();
    idle();
    socket.perWrite = 100;
    Envelope e = envelope(5, 1000);
    o.data(3, e);
    assertEquals(100, socket.taken.size());
    assertEquals(1, connection.flushes, "the loop must write the rest");
    socket.perWrite = 1 << 20;
    assertArrayEquals(record(Wire.dataFrame(3, e.header(), e.body())), flushAll(o));
  }

  @Test
  void flushRequestsAreCoalescedUntilTheLoopFlushes() throws IOException {
    Outbound o = plain();
    o.start();
    o.frame(new byte[] {(byte) Wire.PING}, null);
    o.frame(new byte[] {(byte) Wire.PONG}, null);
    assertEquals(1, connection.flushes);
    assertEquals(OutboundBuffer.Flush.DRAINED, o.flush(scratch));
    o.frame(new byte[] {(byte) Wire.PING}, null);
    assertEquals(2, connection.flushes);
  }

  @Test
  void handshakeRecordsAreQueuedUnsealedWithoutAFlushRequest() throws IOException {
    boolean[] keysGone = {false};
    Outbound o = sealed(keysGone);
    o.start();
    o.plain(Wire.handshake(new byte[] {1, 2, 3}));
    assertEquals(0, connection.flushes);
    assertArrayEquals(record(Wire.handshake(new byte[] {1, 2, 3})), flushAll(o));
  }

  @Test
  void nothingIsWrittenBeforeStartOrAfterClose() throws IOException {
    Outbound o = plain();
    o.frame(new byte[] {(byte) Wire.PING}, null);
    assertNull(o.flush(scratch), "not connected yet");
    assertEquals(0, socket.taken.size());
    o.start();
    o.close();
    assertNull(o.flush(scratch));
    assertEquals(0, socket.taken.size());
    assertFalse(buffer.pending(), "the queue is dropped");
    idle();
    ConnectionLostException e =
        assertThrows(ConnectionLostException.class, () -> o.data(1, envelope(1, 1)));
    assertEquals("connection to peer-1 is closed", e.getMessage());
  }

  @Test
  void aFrameOverTheLimitIsRefusedAndNothingIsQueued() {
    Outbound o = plain();
    MessageTooLargeException e =
        assertThrows(
            MessageTooLargeException.class,
            () -> o.data(1, envelope(1, MAX_FRAME - Wire.DATA_FRAME_HEADER)));
    assertTrue(e.getMessage().contains("frame limit of " + MAX_FRAME + " bytes"), e.getMessage());
    assertEquals(0, buffer.queuedBytes());
    connection.inLoop = true;
    o.data(1, envelope(1, MAX_FRAME - Wire.DATA_FRAME_HEADER - 1));
    assertEquals(MAX_FRAME + 4, buffer.queuedBytes(), "exactly the limit fits");
  }

  @Test
  void aFullBacklogIsBackpressureWhileTheRemoteReadsAndACutWhenItDoesNot() {
    Outbound o = plain();
    connection.inLoop = true;
    o.data(1, envelope(1, 90_000));
    o.data(2, envelope(1, 55_000));
    assertThrows(OverloadedException.class, () -> o.data(1, envelope(1, 10_000)));
    assertEquals(List.of(), connection.cuts);
    now.addAndGet(STALL + 1);
    ConnectionLostException e =
        assertThrows(ConnectionLostException.class, () -> o.data(1, envelope(1, 10_000)));
    assertEquals(List.of("cut: " + e.getMessage()), connection.cuts);
    assertTrue(e.getMessage().contains("the remote does not read"), e.getMessage());
  }

  @Test
  void aFailedWriteThroughEndsTheConnection() {
    Outbound o = plain();
    idle();
    socket.fail = new IOException("broken pipe");
    ConnectionLostException e =
        assertThrows(ConnectionLostException.class, () -> o.data(1, envelope(1, 1)));
    assertEquals("connection to peer-1 lost while writing: broken pipe", e.getMessage());
    assertEquals(List.of("lost: " + e.getMessage()), connection.cuts);
  }

  @Test
  void sealedDataIsWrittenThroughUnderTheSameRulesAndInSealingOrder() throws IOException {
    boolean[] keysGone = {false};
    Outbound o = sealed(keysGone);
    o.start();
    idle();
    Envelope e = envelope(3, 10);
    o.data(4, e);
    assertArrayEquals(
        record(box(Wire.dataFrame(4, e.header(), e.body()))), socket.taken.toByteArray());
    assertEquals(0, connection.flushes, "no wake-up of the loop");
    o.frame(new byte[] {(byte) Wire.PING}, null);
    Envelope large = envelope(3, OutboundBuffer.LARGE_FRAME);
    o.data(5, large);
    assertEquals(1, socket.writes, "control frames queue, and a large record stays behind them");
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(socket.taken.toByteArray());
    expected.writeBytes(record(new byte[] {0x5e, (byte) Wire.PING}));
    expected.writeBytes(record(box(Wire.dataFrame(5, large.header(), large.body()))));
    assertArrayEquals(expected.toByteArray(), flushAll(o));

    o.data(6, large);
    expected.writeBytes(record(box(Wire.dataFrame(6, large.header(), large.body()))));
    assertArrayEquals(expected.toByteArray(), socket.taken.toByteArray(), "nothing queued");
    assertFalse(buffer.pending());

    keysGone[0] = true;
    int flushes = connection.flushes;
    o.frame(new byte[] {(byte) Wire.PING}, null);
    assertEquals(flushes, connection.flushes, "a frame after the keys are gone is dropped");
    assertThrows(ConnectionLostException.class, () -> o.data(4, e));
    assertEquals(0, buffer.queuedBytes());
  }

  @Test
  void aSealedRecordWrittenInPartIsFinishedByTheLoop() throws IOException {
    Outbound o = sealed(new boolean[] {false});
    o.start();
    socket.perWrite = 1000;
    Envelope large = envelope(3, OutboundBuffer.LARGE_FRAME);
    o.data(7, large);
    assertEquals(1000, socket.taken.size());
    assertEquals(1, connection.flushes, "the loop must write the rest");
    socket.perWrite = 1 << 20;
    assertArrayEquals(record(box(Wire.dataFrame(7, large.header(), large.body()))), flushAll(o));
  }

  /** What the test's sealer makes of {@code frame}. */
  private static byte[] box(byte[] frame) {
    byte[] box = new byte[frame.length + 1];
    box[0] = 0x5e;
    System.arraycopy(frame, 0, box, 1, frame.length);
    return box;
  }
}
