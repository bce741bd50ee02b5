package io.callosum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.inproc.InProcessTransport;
import io.callosum.internal.Header;
import io.callosum.internal.MessageCodec;
import io.callosum.internal.MessageType;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.ManualTimer;
import io.callosum.testing.RawLink;
import io.callosum.upper.MsgpackCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a remote that announces big messages can make a peer hold: a transfer that does not progress
 * by 64 KiB (or its rest) in 30 s is dropped, one remote has at most 64 transfers arriving and at
 * most half of the peer's budget for big messages, and small messages are never chunked.
 */
class ChunkIntakeTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final Capabilities JAVA =
      new Capabilities(Capabilities.VERSION, 81, Set.of(Capabilities.STREAM, Capabilities.CHUNK));
  private final InProcessTransport transport = new InProcessTransport();
  private final ManualTimer timer = new ManualTimer();

  @RegisterExtension final Closer closer = new Closer();

  private Peer server(Limits limits) {
    Peer p =
        closer.later(
            Peer.builder()
                .transport(transport)
                .timer(timer)
                .limits(limits)
                .bind("inproc://chunk-intake-" + NAMES.incrementAndGet())
                .name("server")
                .build());
    p.handle("echo", (ctx, body) -> body.value());
    return p.start();
  }

  private static Header call(long seq) {
    return new Header(MessageType.FUNCTION, "echo", OrderKey.NONE, seq, false, List.of());
  }

  /** Announces a chunked call of {@code total} bytes and returns the server's first answer. */
  private static Header announce(RawLink raw, long seq, long total) throws Exception {
    raw.send(MessageCodec.encodeHeader(call(seq).chunked(total)), new byte[0]);
    return raw.nextHeader();
  }

  private static void chunk(RawLink raw, long seq, int bytes) throws Exception {
    raw.send(
        MessageCodec.encodeHeader(call(seq).stream(MessageType.CHUNK, 1, 0, 0)), new byte[bytes]);
  }

  /** Reads the server's answer to a stalled transfer: an error for seq {@code seq}, then a stop. */
  private static void assertDropped(RawLink raw, long seq, String why) throws Exception {
    Envelope error = raw.next();
    Header h = MessageCodec.decodeHeader(error.header(), 1024, 32);
    assertEquals(MessageType.ERROR, h.type());
    assertEquals(seq, h.seq());
    String text = new String(error.body(), StandardCharsets.ISO_8859_1);
    assertTrue(text.contains(why), text);
    Header stop = raw.nextHeader();
    assertEquals(MessageType.CHUNK_CREDIT, stop.type());
    assertEquals(0, stop.creditItems(), "the sender is told to stop");
  }

  @Test
  void aTransferWithoutProgressForThirtySecondsIsDropped() throws Exception {
    Peer server = server(Limits.defaults());
    RawLink raw = closer.later(RawLink.connect(transport, server.address(), JAVA));
    assertEquals(MessageType.CHUNK_CREDIT, announce(raw, 1, 1 << 20).type());
    timer.advance(Duration.ofSeconds(20));
    chunk(raw, 1, 64 << 10);
    assertEquals(MessageType.CHUNK_CREDIT, raw.nextHeader().type(), "the chunk was taken");
    timer.advance(Duration.ofSeconds(20)); // the first look, at 30 s, saw 64 KiB: enough
    assertEquals(0, raw.backlog(), "a transfer that progressed was dropped");
    assertEquals(2, InternalEntries.of(server), "the transfer and its budget are held");

    timer.advance(Duration.ofSeconds(20)); // the second look, at 60 s, saw nothing
    assertDropped(raw, 1, "the 1048576-byte echo stalled: less than 64 KiB of it in 30 s");
    assertEquals(0, InternalEntries.of(server), "the transfer is still held");
    assertEquals(0, timer.scheduled(), "a watch is left on the timer");

    // The link goes on: a later chunked call completes, and its watch is cancelled with it.
    assertEquals(MessageType.CHUNK_CREDIT, announce(raw, 2, 5000).type());
    byte[] frame =
        MessageCodec.encodeBody(
            MessageCodec.NO_META, new MsgpackCodec().encode(new byte[3000]), false);
    raw.send(MessageCodec.encodeHeader(call(3).chunked(frame.length)), new byte[0]);
    assertEquals(MessageType.CHUNK_CREDIT, raw.nextHeader().type());
    raw.send(MessageCodec.encodeHeader(call(3).stream(MessageType.CHUNK, 1, 0, 0)), frame);
    assertEquals(MessageType.RESULT, raw.nextHeader().type());
    assertEquals(1, timer.scheduled(), "only seq 2's watch is left");
  }

  /** A byte now and then is not progress: a trickling transfer is dropped as stalled too. */
  @Test
  void aTricklingTransferIsDropped() throws Exception {
    Peer server = server(Limits.defaults());
    RawLink raw = closer.later(RawLink.connect(transport, server.address(), JAVA));
    assertEquals(MessageType.CHUNK_CREDIT, announce(raw, 1, 1 << 20).type());
    for (int i = 0; i < 2; i++) {
      timer.advance(Duration.ofSeconds(10));
      chunk(raw, 1, 1);
      assertEquals(MessageType.CHUNK_CREDIT, raw.nextHeader().type());
    }
    timer.advance(Duration.ofSeconds(10));
    assertDropped(raw, 1, "stalled");
    assertEquals(0, InternalEntries.of(server));
  }

  /**
   * A chunked announcement of a small message (a sender chunks only bodies over 1 KiB) is refused.
   */
  @Test
  void aTinyChunkedMessageIsRefused() throws Exception {
    Peer server = server(Limits.defaults());
    RawLink raw = closer.later(RawLink.connect(transport, server.address(), JAVA));
    assertEquals(MessageType.ERROR, announce(raw, 1, 1).type());
    assertEquals(MessageType.CHUNK_CREDIT, raw.nextHeader().type());
    assertEquals(0, InternalEntries.of(server));
    assertEquals(0, timer.scheduled());
  }

  /** However small its messages, one remote has at most 64 arriving at once. */
  @Test
  void oneRemoteHasAtMostSixtyFourTransfersArriving() throws Exception {
    Peer server = server(Limits.defaults());
    RawLink raw = closer.later(RawLink.connect(transport, server.address(), JAVA));
    for (long seq = 1; seq <= 64; seq++) {
      assertEquals(MessageType.CHUNK_CREDIT, announce(raw, seq, 2000).type());
    }
    Header refused = announce(raw, 65, 2000);
    assertEquals(MessageType.ERROR, refused.type(), "the 65th was let in");
    assertEquals(65, refused.seq());
    assertEquals(64, timer.scheduled(), "one watch per transfer held");
  }

  /**
   * The watch re-arms itself on the timer's thread while the last chunk completes the transfer on
   * the link's: the new watch must not outlive the transfer (it would hold its buffer for 30 s).
   */
  @Test
  void aWatchArmedAsItsTransferCompletesIsCancelled() throws Exception {
    CountDownLatch rearming = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    Thread[] advancer = new Thread[1];
    Timer gated =
        new Timer() {
          @Override
          public long nanoTime() {
            return timer.nanoTime();
          }

          @Override
          public Scheduled schedule(Duration delay, Runnable task) {
            if (Thread.currentThread()
                == advancer[0]) { // the watch re-arming: let the transfer complete meanwhile
              rearming.countDown();
              try {
                go.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            return timer.schedule(delay, task);
          }
        };
    Peer server =
        closer.later(
            Peer.builder()
                .transport(transport)
                .timer(gated)
                .bind("inproc://chunk-intake-" + NAMES.incrementAndGet())
                .name("server")
                .build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    RawLink raw = closer.later(RawLink.connect(transport, server.address(), JAVA));
    byte[] frame =
        MessageCodec.encodeBody(
            MessageCodec.NO_META, new MsgpackCodec().encode(new byte[200_000]), false);
    raw.send(MessageCodec.encodeHeader(call(1).chunked(frame.length)), new byte[0]);
    assertEquals(MessageType.CHUNK_CREDIT, raw.nextHeader().type());
    raw.send(
        MessageCodec.encodeHeader(call(1).stream(MessageType.CHUNK, 1, 0, 0)),
        Arrays.copyOf(frame, 100_000));
    assertEquals(MessageType.CHUNK_CREDIT, raw.nextHeader().type());
    advancer[0] = new Thread(() -> timer.advance(Duration.ofSeconds(30)), "advancer");
    advancer[0].start();
    assertTrue(rearming.await(10, TimeUnit.SECONDS), "the watch did not re-arm");
    raw.send(
        MessageCodec.encodeHeader(call(1).stream(MessageType.CHUNK, 1, 0, 0)),
        Arrays.copyOfRange(frame, 100_000, frame.length));
    assertEquals(MessageType.RESULT, raw.nextHeader().type());
    go.countDown();
    advancer[0].join(10_000);
    Await.until(
        "the call is over",
        () -> InternalEntries.of(server) == 0,
        () -> String.valueOf(InternalEntries.of(server)));
    assertEquals(
        0,
        timer.scheduled(),
        "a watch armed as its transfer completed is left: " + timer.pendingDelays());
  }

  @Test
  void oneRemoteHoldsAtMostHalfOfTheBudgetForBigMessages() throws Exception {
    Peer server = server(Limits.builder().maxBufferedBytes(4 << 20).build());
    RawLink greedy = closer.later(RawLink.connect(transport, server.address(), JAVA));
    RawLink other = closer.later(RawLink.connect(transport, server.address(), JAVA));
    int mib = 1 << 20;
    assertEquals(
        MessageType.CHUNK_CREDIT,
        announce(greedy, 1, 3 * mib / 2).type(),
        "one message is always let in");
    Header refused = announce(greedy, 2, 3 * mib / 2);
    assertEquals(MessageType.ERROR, refused.type(), "a second one past half the budget is refused");
    assertEquals(2, refused.seq());
    assertEquals(MessageType.CHUNK_CREDIT, greedy.nextHeader().type());
    assertEquals(
        MessageType.CHUNK_CREDIT,
        announce(other, 1, 3 * mib / 2).type(),
        "another remote still gets in");
    // greedy's first transfer, other's transfer, and the budget they hold
    Await.until(
        "both transfers are held",
        () -> InternalEntries.of(server) == 3,
        () -> String.valueOf(InternalEntries.of(server)));
  }
}
