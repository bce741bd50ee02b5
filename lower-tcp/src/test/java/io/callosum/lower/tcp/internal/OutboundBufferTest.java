package io.callosum.lower.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectionLostException;
import io.callosum.OverloadedException;
import io.callosum.lower.MemoryBudget;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The outbound buffer alone, writing to a fake channel that takes at most N bytes per write, with a
 * fake clock.
 */
class OutboundBufferTest {
  private static final long LIMIT = 10_000;
  private static final long STALL = 1_000_000;
  private static final int QUANTUM = 4096;

  /**
   * A channel that takes at most {@code perWrite} bytes per call (0: takes nothing), and counts its
   * calls; {@code fail} makes it throw. {@code OutboundTest} writes to it too.
   */
  static final class Taker implements GatheringByteChannel {
    final ByteArrayOutputStream taken = new ByteArrayOutputStream();
    int perWrite;
    int writes;
    IOException fail;

    Taker(int perWrite) {
      this.perWrite = perWrite;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      return (int) write(new ByteBuffer[] {src}, 0, 1);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      if (fail != null) {
        throw fail;
      }
      writes++;
      int budget = perWrite;
      for (int i = offset; i < offset + length && budget > 0; i++) {
        int n = Math.min(budget, srcs[i].remaining());
        byte[] b = new byte[n];
        srcs[i].get(b);
        taken.writeBytes(b);
        budget -= n;
      }
      return perWrite - budget;
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
      return write(srcs, 0, srcs.length);
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final ByteBuffer scratch = ByteBuffer.allocate(1024);

  private OutboundBuffer buffer() {
    return new OutboundBuffer("peer-1", LIMIT, STALL, QUANTUM, now::get, MemoryBudget.NONE);
  }

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] record(byte[] content) {
    return ByteBuffer.allocate(4 + content.length).putInt(content.length).put(content).array();
  }

  @Test
  void queuedRecordsAreWrittenInOrderThroughAnySlowChannel() throws IOException {
    for (int perWrite : new int[] {1, 7, 100, 1024, 100_000}) {
      OutboundBuffer b = buffer();
      Taker t = new Taker(perWrite);
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      for (int i = 0; i < 20; i++) {
        byte[] c = bytes(37 * i + 1, i);
        b.addRecord(c, null);
        expected.writeBytes(record(c));
      }
      byte[] a = bytes(10, 100);
      byte[] h = bytes(20, 101);
      b.add(a, h, null, null);
      expected.writeBytes(a);
      expected.writeBytes(h);
      for (int i = 0; i < 100_000 && b.pending(); i++) {
        b.flush(t, scratch);
      }
      assertFalse(b.pending());
      assertArrayEquals(
          expected.toByteArray(), t.taken.toByteArray(), "taking " + perWrite + " bytes per write");
      assertEquals(expected.size(), b.bytesOut());
      assertEquals(0, b.queuedBytes());
    }
  }

  @Test
  void recordsAreGatheredIntoOneWriteAsFarAsTheScratchBufferGoes() throws IOException {
    OutboundBuffer b = buffer();
    Taker t = new Taker(100_000);
    for (int i = 0; i < 50; i++) {
      b.addRecord(new byte[16], null);
    }
    assertEquals(OutboundBuffer.Flush.DRAINED, b.flush(t, scratch));
    assertEquals(1, t.writes, "50 records of 20 bytes in one write of the 1 KiB scratch buffer");
    for (int i = 0; i < 100; i++) {
      b.addRecord(new byte[16], null);
    }
    b.flush(t, scratch);
    assertEquals(3, t.writes, "2,000 bytes: two writes");
  }

  @Test
  void aChannelTakingLessThanOfferedBlocksAndKeepsOnlyTheTail() throws IOException {
    OutboundBuffer b = buffer();
    Taker t = new Taker(300);
    b.addRecord(bytes(2000, 1), null);
    assertEquals(OutboundBuffer.Flush.BLOCKED, b.flush(t, scratch));
    assertEquals(300, t.taken.size());
    assertTrue(b.pending());
    t.perWrite = 0;
    assertEquals(OutboundBuffer.Flush.BLOCKED, b.flush(t, scratch), "the tail is not written yet");
    t.perWrite = 100_000;
    assertEquals(OutboundBuffer.Flush.DRAINED, b.flush(t, scratch));
    assertArrayEquals(record(bytes(2000, 1)), t.taken.toByteArray());
  }

  @Test
  void aFlushYieldsAfterItsQuantum() throws IOException {
    OutboundBuffer b = buffer();
    Taker t = new Taker(100_000);
    for (int i = 0; i < 10; i++) {
      b.addRecord(new byte[1020], null);
    }
    assertEquals(OutboundBuffer.Flush.YIELDED, b.flush(t, scratch));
    assertEquals(QUANTUM, t.taken.size());
    assertEquals(OutboundBuffer.Flush.YIELDED, b.flush(t, scratch));
    assertEquals(OutboundBuffer.Flush.DRAINED, b.flush(t, scratch));
    assertEquals(10 * 1024, t.taken.size());
  }

  @Test
  void doneRunsOnceItsRecordIsHandedToTheChannel() throws IOException {
    OutboundBuffer b = buffer();
    Taker t = new Taker(10);
    List<Integer> done = new ArrayList<>();
    b.addRecord(new byte[6], () -> done.add(1));
    b.addRecord(new byte[6], () -> done.add(2));
    b.flush(t, scratch);
    assertEquals(List.of(1, 2), done, "both copied to the scratch buffer (the rest is the tail)");
    assertEquals(0, b.queuedBytes());
  }

  @Test
  void writeThroughOnlyWhenNothingIsQueuedAndTheConnectionWasIdle() throws IOException {
    OutboundBuffer b = buffer();
    Taker t = new Taker(100_000);
    now.addAndGet(OutboundBuffer.IDLE_NANOS + 1);
    assertEquals(
        OutboundBuffer.Through.WRITTEN,
        b.writeThrough(t, new byte[] {1}, new byte[] {2}, new byte[] {3}));
    assertArrayEquals(new byte[] {1, 2, 3}, t.taken.toByteArray());
    assertEquals(
        OutboundBuffer.Through.NOT_TAKEN,
        b.writeThrough(t, new byte[] {4}, new byte[0], new byte[0]),
        "written just now: under load frames queue");
    now.addAndGet(OutboundBuffer.IDLE_NANOS + 1);
    b.addRecord(new byte[] {9}, null);
    assertEquals(
        OutboundBuffer.Through.NOT_TAKEN,
        b.writeThrough(t, new byte[] {4}, new byte[0], new byte[0]),
        "something is queued: it goes first");
    assertEquals(3, t.taken.size());
  }

  @Test
  void aPartialWriteThroughLeavesATailThatTheFlushWrites() throws IOException {
    OutboundBuffer b = buffer();
    Taker t = new Taker(2);
    now.addAndGet(OutboundBuffer.IDLE_NANOS + 1);
    assertEquals(
        OutboundBuffer.Through.PARTIAL,
        b.writeThrough(t, new byte[] {1, 2}, new byte[] {3}, new byte[] {4, 5}));
    assertTrue(b.pending());
    now.addAndGet(OutboundBuffer.IDLE_NANOS + 1);
    assertEquals(
        OutboundBuffer.Through.NOT_TAKEN,
        b.writeThrough(t, new byte[] {6}, new byte[0], new byte[0]),
        "a tail is pending");
    t.perWrite = 100;
    b.addRecord(new byte[] {7}, null);
    assertEquals(OutboundBuffer.Flush.DRAINED, b.flush(t, scratch));
    assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 0, 0, 0, 1, 7}, t.taken.toByteArray());
  }

  @Test
  void theBacklogBoundTellsASlowReaderFromOneThatDoesNotRead() throws IOException {
    OutboundBuffer b = buffer();
    Taker t = new Taker(100);
    assertEquals(OutboundBuffer.Room.FITS, b.room(LIMIT));
    b.addRecord(new byte[(int) LIMIT - 4], null);
    assertEquals(OutboundBuffer.Room.FITS, b.room(0));
    assertEquals(OutboundBuffer.Room.FULL, b.room(1), "written recently: backpressure");
    assertFalse(b.stalled());
    now.addAndGet(STALL + 1);
    assertEquals(OutboundBuffer.Room.NOT_READING, b.room(1));
    assertTrue(b.stalled());
    b.flush(t, scratch);
    assertEquals(OutboundBuffer.Room.FULL, b.room(LIMIT), "it took some: it reads");
    assertFalse(b.stalled());
    now.addAndGet(STALL + 1);
    t.perWrite = 100_000;
    while (b.pending()) {
      b.flush(t, scratch);
    }
    now.addAndGet(STALL + 1);
    assertFalse(b.stalled(), "nothing queued: not stalled, however long ago the last write");
    assertEquals(OutboundBuffer.Room.FITS, b.room(LIMIT));
  }

  @Test
  void admittingAFrameRefusesWithTheReasonOfTheBound() {
    OutboundBuffer b = buffer();
    b.admit(LIMIT);
    b.addRecord(new byte[(int) LIMIT - 4], null);
    OverloadedException slow = assertThrows(OverloadedException.class, () -> b.admit(1));
    assertEquals(
        "the send backlog to peer-1 is full (10000 bytes, limit 10000): the remote reads slower"
            + " than this side sends",
        slow.getMessage());
    now.addAndGet(STALL + 2_000_000);
    ConnectionLostException gone = assertThrows(ConnectionLostException.class, () -> b.admit(1));
    assertEquals(
        "the send backlog to peer-1 is full (10000 bytes, limit 10000) and it has taken nothing for"
            + " 3 ms: the remote does not read",
        gone.getMessage());
  }

  @Test
  void markActiveCountsAsProgress() {
    OutboundBuffer b = buffer();
    b.addRecord(new byte[1], null);
    now.addAndGet(STALL + 1);
    assertTrue(b.stalled());
    b.markActive(now.get());
    assertFalse(b.stalled());
  }

  @Test
  void discardDropsEverythingAndTakesNoMoreWritesThrough() throws IOException {
    OutboundBuffer b = buffer();
    Taker t = new Taker(1);
    b.addRecord(new byte[100], null);
    b.flush(t, scratch);
    b.discard();
    assertFalse(b.pending());
    now.addAndGet(OutboundBuffer.IDLE_NANOS + 1);
    assertEquals(
        OutboundBuffer.Through.NOT_TAKEN,
        b.writeThrough(t, new byte[] {1}, new byte[0], new byte[0]));
    assertEquals(1, t.taken.size());
  }

  @Test
  void aFailingChannelThrowsToTheCaller() {
    OutboundBuffer b = buffer();
    Taker t = new Taker(100);
    t.fail = new IOException("broken pipe");
    b.addRecord(new byte[10], null);
    assertThrows(IOException.class, () -> b.flush(t, scratch));
    now.addAndGet(OutboundBuffer.IDLE_NANOS + 1);
    OutboundBuffer fresh = buffer();
    now.addAndGet(OutboundBuffer.IDLE_NANOS + 1);
    assertThrows(
        IOException.class, () -> fresh.writeThrough(t, new byte[] {1}, new byte[0], new byte[0]));
  }
}
