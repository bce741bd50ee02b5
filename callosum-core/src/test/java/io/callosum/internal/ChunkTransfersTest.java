package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.CallosumException;
import io.callosum.Limits;
import io.callosum.OrderKey;
import io.callosum.OverloadedException;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.MemoryBudget;
import io.callosum.testing.ManualTimer;
import io.callosum.testing.ThreadAllocation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Big messages in chunks, without a peer or a lower: a link that records what is sent and a manual
 * clock for the stall watch.
 */
class ChunkTransfersTest {
  private static final int CHUNK = 1024;
  private static final Capabilities CHUNKS =
      new Capabilities(Capabilities.VERSION, 7, Set.of(Capabilities.CHUNK));

  private final ManualTimer timer = new ManualTimer();
  private final List<String> refusedReplies = new ArrayList<>();
  private final List<Long> tooLarge = new ArrayList<>();
  private final AtomicInteger dropped = new AtomicInteger();

  private ChunkTransfers transfers(Limits limits) {
    return new ChunkTransfers(
        "test",
        CHUNK,
        limits,
        timer,
        (r, h, e) -> refusedReplies.add(h.method() + ": " + e.getMessage()),
        (r, h, size) -> tooLarge.add(size),
        dropped::incrementAndGet);
  }

  private static Header function(long seq, long chunkTotal) {
    return new Header(MessageType.FUNCTION, "big", OrderKey.NONE, seq, false, List.of())
        .chunked(chunkTotal);
  }

  private static Envelope announcement(Header h) {
    return new Envelope(MessageCodec.encodeHeader(h), new byte[0]);
  }

  private static Header chunkOf(Header call, int direction) {
    return call.stream(MessageType.CHUNK, direction, 0, 0);
  }

  @Test
  void aBigMessageLeavesAsItsHeaderAloneThenInChunksAsCreditArrives() throws Exception {
    ChunkTransfers t = transfers(Limits.defaults());
    RecordingLink link = new RecordingLink(CHUNKS);
    RemoteLink r = new RemoteLink(null, link);
    Header call = new Header(MessageType.FUNCTION, "big", OrderKey.NONE, 5, false, List.of());
    byte[] body = new byte[10 * CHUNK + 1];
    body[body.length - 1] = 42;
    t.send(r, call, new Envelope(MessageCodec.encodeHeader(call), body), Chunks.REQUEST);
    assertEquals(1, link.sent.size());
    assertEquals(body.length, link.header(0).chunkTotal());
    assertEquals(0, link.sent.get(0).body().length);
    assertEquals(1, t.entries(), "its bytes are held until the credit comes");

    t.credit(r, call.stream(MessageType.CHUNK_CREDIT, Chunks.REQUEST, 4, 0));
    assertEquals(5, link.sent.size(), "four chunks for four credits");
    t.credit(r, call.stream(MessageType.CHUNK_CREDIT, Chunks.REQUEST, 100, 0));
    assertEquals(1 + 11, link.sent.size());
    assertEquals(MessageType.CHUNK, link.header(11).type());
    assertEquals(42, link.sent.get(11).body()[0]);
    assertEquals(0, t.entries());
    assertTrue(r.chunksOut.isEmpty());
  }

  @Test
  void anOrderingCalleeGetsCallsWhole_andSmallMessagesLeaveWhole() throws Exception {
    ChunkTransfers t = transfers(Limits.defaults());
    RecordingLink ordered =
        new RecordingLink(
            new Capabilities(
                Capabilities.VERSION, 7, Set.of(Capabilities.CHUNK, Capabilities.ORDERED)));
    Header call = new Header(MessageType.FUNCTION, "big", OrderKey.NONE, 5, false, List.of());
    Envelope big = new Envelope(MessageCodec.encodeHeader(call), new byte[10 * CHUNK]);
    t.send(new RemoteLink(null, ordered), call, big, Chunks.REQUEST);
    assertEquals(List.of(big), ordered.sent);

    RecordingLink plain = new RecordingLink(CHUNKS);
    Envelope small = new Envelope(MessageCodec.encodeHeader(call), new byte[CHUNK]);
    t.send(new RemoteLink(null, plain), call, small, Chunks.REQUEST);
    assertEquals(List.of(small), plain.sent);
    assertEquals(0, t.entries());
  }

  @Test
  void bytesWaitingForCreditAreBoundedByMaxBufferedBytes_oneMessageAlwaysFits() {
    ChunkTransfers t = transfers(Limits.builder().maxBufferedBytes(16 * CHUNK).build());
    RemoteLink r = new RemoteLink(null, new RecordingLink(CHUNKS));
    Header first = new Header(MessageType.FUNCTION, "big", OrderKey.NONE, 1, false, List.of());
    t.send(r, first, new Envelope(new byte[1], new byte[20 * CHUNK]), Chunks.REQUEST);
    Header second = new Header(MessageType.FUNCTION, "big", OrderKey.NONE, 2, false, List.of());
    OverloadedException e =
        assertThrows(
            OverloadedException.class,
            () ->
                t.send(r, second, new Envelope(new byte[1], new byte[2 * CHUNK]), Chunks.REQUEST));
    assertTrue(
        e.getMessage().startsWith("20480 bytes of big messages wait for their receivers' credit"),
        e.getMessage());
    t.callEnded(r, 1);
    assertEquals(0, t.entries(), "an ended call's transfer frees its bytes");
  }

  @Test
  void anArrivingMessageIsWholeOnceItsLastChunkCame() throws Exception {
    ChunkTransfers t = transfers(Limits.defaults());
    RecordingLink link = new RecordingLink(CHUNKS);
    RemoteLink r = new RemoteLink(null, link);
    Header call = function(9, 3 * CHUNK);
    t.announced(r, call, announcement(call));
    assertEquals(MessageType.CHUNK_CREDIT, link.header(0).type());
    assertEquals(Chunks.WINDOW, link.header(0).creditItems());
    assertNull(
        t.chunk(r, chunkOf(call, Chunks.REQUEST), new Envelope(new byte[1], new byte[CHUNK])));
    assertNull(
        t.chunk(r, chunkOf(call, Chunks.REQUEST), new Envelope(new byte[1], new byte[CHUNK])));
    byte[] last = new byte[CHUNK];
    last[CHUNK - 1] = 7;
    Envelope whole = t.chunk(r, chunkOf(call, Chunks.REQUEST), new Envelope(new byte[1], last));
    assertNotNull(whole);
    assertEquals(3 * CHUNK, whole.body().length);
    assertEquals(7, whole.body()[3 * CHUNK - 1]);
    assertEquals(
        0,
        MessageCodec.decodeHeader(whole.header(), 1024, 32).chunkTotal(),
        "it reads as if it came whole");
    assertEquals(0, t.entries());
    assertEquals(0, timer.scheduled(), "its stall watch is cancelled");
  }

  @Test
  void aTransferThatStallsForTheIdleTimeoutIsDroppedAndItsCallAnswered() throws Exception {
    ChunkTransfers t = transfers(Limits.defaults());
    RecordingLink link = new RecordingLink(CHUNKS);
    RemoteLink r = new RemoteLink(null, link);
    Header call = function(3, 200 << 10);
    t.announced(r, call, announcement(call));
    t.chunk(
        r, chunkOf(call, Chunks.REQUEST), new Envelope(new byte[1], new byte[Chunks.MIN_PROGRESS]));
    timer.advance(Chunks.IDLE_TIMEOUT);
    assertEquals(1, r.chunksIn.size(), "64 KiB in the first period: kept");
    timer.advance(Chunks.IDLE_TIMEOUT.minus(Duration.ofMillis(1)));
    assertEquals(1, r.chunksIn.size(), "not before the period ends");
    assertEquals(0, dropped.get());
    timer.advance(Duration.ofMillis(1));
    assertTrue(r.chunksIn.isEmpty(), "nothing in the second: dropped");
    assertEquals(0, t.entries());
    assertEquals(1, dropped.get(), "the drop is told (a draining peer may now be idle)");
    Header error = link.header(link.sent.size() - 2);
    assertEquals(MessageType.ERROR, error.type());
    assertEquals(MessageType.CHUNK_CREDIT, link.header(link.sent.size() - 1).type());
    assertEquals(0, link.header(link.sent.size() - 1).creditItems(), "the sender is told to stop");
    assertEquals(0, timer.scheduled());
  }

  @Test
  void oneRemoteHoldsAtMostHalfTheIntakeBudget_butAlwaysOneMessage() throws Exception {
    ChunkTransfers t = transfers(Limits.builder().maxBufferedBytes(64 * CHUNK).build());
    RecordingLink link = new RecordingLink(CHUNKS);
    RemoteLink r = new RemoteLink(null, link);
    Header big = function(1, 40 * CHUNK);
    t.announced(r, big, announcement(big));
    assertEquals(1, r.chunksIn.size(), "one message is taken even over half the budget");
    Header more = function(2, 2 * CHUNK);
    t.announced(r, more, announcement(more));
    assertEquals(1, r.chunksIn.size());
    CallosumException refused =
        ErrorNames.toException(
            false,
            MessageCodec.decodeErrorMeta(
                MessageCodec.decodeBody(link.sent.get(1).body(), false, 1 << 20).meta()));
    assertTrue(refused instanceof OverloadedException, refused.toString());
    assertTrue(refused.getMessage().contains("per remote"), refused.getMessage());

    RemoteLink other = new RemoteLink(null, new RecordingLink(CHUNKS));
    Header fromOther = function(1, 20 * CHUNK);
    t.announced(other, fromOther, announcement(fromOther));
    assertEquals(1, other.chunksIn.size(), "another remote still gets its share");
    t.disconnected(r);
    t.disconnected(other);
    assertEquals(0, t.entries());
  }

  @Test
  void aChunkedReplyForNoPendingCallIsAborted_andOneOverTheSizeLimitIsRefused() throws Exception {
    ChunkTransfers t = transfers(Limits.builder().maxMessageSize(8 * CHUNK).build());
    RecordingLink link = new RecordingLink(CHUNKS);
    RemoteLink r = new RemoteLink(null, link);
    Header reply =
        new Header(MessageType.RESULT, "big", OrderKey.NONE, 4, false, List.of())
            .chunked(4 * CHUNK);
    t.announced(r, reply, announcement(reply));
    assertEquals(
        0, link.header(0).creditItems(), "no call waits for it: the sender is told to stop");
    assertTrue(r.chunksIn.isEmpty());

    Header tooBig = function(5, 8 * CHUNK);
    Envelope env = announcement(tooBig);
    t.announced(r, tooBig, env);
    assertEquals(List.of(8L * CHUNK + env.header().length), tooLarge);
    assertEquals(0, link.header(1).creditItems());
    assertTrue(r.chunksIn.isEmpty());
    assertTrue(refusedReplies.isEmpty());
  }

  @Test
  void anAnnouncementCostsNoMemoryUntilItsChunksArrive() throws Exception {
    ChunkTransfers t = transfers(Limits.defaults());
    RecordingLink link = new RecordingLink(CHUNKS);
    MemoryBudget budget = new MemoryBudget("test budget", 64L << 20);
    link.memory = budget.holder("remote");
    RemoteLink r = new RemoteLink(null, link);
    Header call = function(9, 8 << 20);
    ThreadAllocation.Mark mark = ThreadAllocation.mark();
    t.announced(r, call, announcement(call));
    mark.check(64 << 10, "announcing 8 MiB");
    assertEquals(1, r.chunksIn.size());
    assertEquals(0, budget.held(), "an announcement alone holds nothing");
    t.chunk(r, chunkOf(call, Chunks.REQUEST), new Envelope(new byte[1], new byte[CHUNK]));
    assertEquals(CHUNK, budget.held(), "the buffer is made by the first chunk, to its size");
    for (int received = 2; received <= 100; received++) {
      t.chunk(r, chunkOf(call, Chunks.REQUEST), new Envelope(new byte[1], new byte[CHUNK]));
      assertTrue(budget.held() <= 2L * received * CHUNK, budget.held() + " after " + received);
      assertEquals(budget.held(), link.memory.held());
    }
    t.disconnected(r);
    assertEquals(0, budget.held(), "a dropped transfer lets go of its buffer");
  }

  @Test
  void aChunkTheMemoryBudgetHasNoRoomForDropsItsTransferAsOverloaded() throws Exception {
    ChunkTransfers t = transfers(Limits.defaults());
    MemoryBudget budget = new MemoryBudget("test budget", 8 * CHUNK);
    MemoryBudget.Holder other = budget.holder("other");
    RecordingLink link = new RecordingLink(CHUNKS);
    link.memory = budget.holder("remote");
    RemoteLink r = new RemoteLink(null, link);
    Header call = function(9, 64 * CHUNK);
    t.announced(r, call, announcement(call));
    assertTrue(other.tryAdd(6 * CHUNK));
    for (int i = 0; i < 3; i++) {
      t.chunk(r, chunkOf(call, Chunks.REQUEST), new Envelope(new byte[1], new byte[CHUNK]));
    }
    assertTrue(r.chunksIn.isEmpty(), "dropped: no room for its buffer");
    assertEquals(6 * CHUNK, budget.held(), "what it held is let go");
    Header error = link.header(link.sent.size() - 2);
    assertEquals(MessageType.ERROR, error.type());
    CallosumException refused =
        ErrorNames.toException(
            false,
            MessageCodec.decodeErrorMeta(
                MessageCodec.decodeBody(link.sent.get(link.sent.size() - 2).body(), false, 1 << 20)
                    .meta()));
    assertTrue(refused instanceof OverloadedException, refused.toString());
    assertTrue(refused.getMessage().contains("test budget"), refused.getMessage());
    assertEquals(0, link.last().creditItems(), "the sender is told to stop");

    Header next = function(10, 64 * CHUNK);
    link.memory.add(2 * CHUNK); // the budget is full now
    t.announced(r, next, announcement(next));
    assertTrue(r.chunksIn.isEmpty(), "an announcement is refused while there is no room at all");
    link.memory.release(2 * CHUNK);
    other.release(6 * CHUNK);
    assertEquals(0, t.entries());
  }

  @Test
  void aBigMessageWaitingForCreditCountsInItsReceiversBudget() throws Exception {
    ChunkTransfers t = transfers(Limits.defaults());
    MemoryBudget budget = new MemoryBudget("test budget", 64 * CHUNK);
    RecordingLink link = new RecordingLink(CHUNKS);
    link.memory = budget.holder("remote");
    RemoteLink r = new RemoteLink(null, link);
    Header call = new Header(MessageType.FUNCTION, "big", OrderKey.NONE, 5, false, List.of());
    t.send(r, call, new Envelope(new byte[1], new byte[10 * CHUNK]), Chunks.REQUEST);
    assertEquals(10 * CHUNK, budget.held());
    Header second = new Header(MessageType.FUNCTION, "big", OrderKey.NONE, 6, false, List.of());
    OverloadedException e =
        assertThrows(
            OverloadedException.class,
            () ->
                t.send(r, second, new Envelope(new byte[1], new byte[60 * CHUNK]), Chunks.REQUEST));
    assertTrue(e.getMessage().contains("test budget"), e.getMessage());
    t.credit(r, call.stream(MessageType.CHUNK_CREDIT, Chunks.REQUEST, 100, 0));
    assertEquals(0, budget.held(), "sent: let go");
    assertEquals(0, t.entries());
  }
}
