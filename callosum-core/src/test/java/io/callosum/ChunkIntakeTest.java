package io.callosum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.internal.Header;
import io.callosum.internal.MessageCodec;
import io.callosum.internal.MessageType;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.InProcessTransport;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.ManualTimer;
import io.callosum.testing.RawLink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a remote that announces big messages can make a peer hold: a transfer that stalls is
 * dropped after 30 s without a chunk, and one remote holds at most half of the peer's budget for
 * big messages, so it cannot have every other remote's big calls refused.
 */
class ChunkIntakeTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final Capabilities JAVA = new Capabilities(Capabilities.VERSION, 81, Set.of(Capabilities.STREAM, Capabilities.CHUNK));
  private final InProcessTransport transport = new InProcessTransport();
  private final ManualTimer timer = new ManualTimer();

  @RegisterExtension final Closer closer = new Closer();

  private Peer server(Limits limits) {
    Peer p = closer.later(Peer.builder().transport(transport).timer(timer).limits(limits)
        .bind("inproc://chunk-intake-" + NAMES.incrementAndGet()).name("server").build());
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
    raw.send(MessageCodec.encodeHeader(call(seq).stream(MessageType.CHUNK, 1, 0, 0)), new byte[bytes]);
  }

  @Test
  void aStalledTransferIsDroppedThirtySecondsAfterItsLastChunk() throws Exception {
    Peer server = server(Limits.defaults());
    RawLink raw = closer.later(RawLink.connect(transport, server.address(), JAVA));
    assertEquals(MessageType.CHUNK_CREDIT, announce(raw, 1, 1 << 20).type());
    timer.advance(Duration.ofSeconds(20));
    chunk(raw, 1, 64 << 10);
    assertEquals(MessageType.CHUNK_CREDIT, raw.nextHeader().type(), "the chunk was taken");
    timer.advance(Duration.ofSeconds(20)); // 40 s after the start, 20 s after the last chunk
    assertEquals(0, raw.backlog(), "a transfer with a chunk 20 s ago was dropped");
    assertEquals(2, server.internalEntries(), "the transfer and its budget are held");

    timer.advance(Duration.ofSeconds(10));
    Envelope error = raw.next();
    Header h = MessageCodec.decodeHeader(error.header(), 1024, 32);
    assertEquals(MessageType.ERROR, h.type());
    assertEquals(1, h.seq());
    assertTrue(new String(error.body(), StandardCharsets.ISO_8859_1).contains("no chunk of the 1048576-byte echo for 30 s"));
    Header stop = raw.nextHeader();
    assertEquals(MessageType.CHUNK_CREDIT, stop.type());
    assertEquals(0, stop.creditItems(), "the sender is told to stop");
    assertEquals(0, server.internalEntries(), "the transfer is still held");
    assertEquals(0, timer.scheduled(), "a watch is left on the timer");

    // The link goes on: a later chunked call completes, and its watch is cancelled with it.
    assertEquals(MessageType.CHUNK_CREDIT, announce(raw, 2, 10).type());
    byte[] frame = MessageCodec.encodeBody(MessageCodec.NO_META, new io.callosum.upper.MsgpackCodec().encode("hi"), false);
    raw.send(MessageCodec.encodeHeader(call(3).chunked(frame.length)), new byte[0]);
    assertEquals(MessageType.CHUNK_CREDIT, raw.nextHeader().type());
    raw.send(MessageCodec.encodeHeader(call(3).stream(MessageType.CHUNK, 1, 0, 0)), frame);
    assertEquals(MessageType.RESULT, raw.nextHeader().type());
    assertEquals(1, timer.scheduled(), "only seq 2's watch is left");
  }

  @Test
  void oneRemoteHoldsAtMostHalfOfTheBudgetForBigMessages() throws Exception {
    Peer server = server(Limits.defaults().withMaxBufferedBytes(4 << 20));
    RawLink greedy = closer.later(RawLink.connect(transport, server.address(), JAVA));
    RawLink other = closer.later(RawLink.connect(transport, server.address(), JAVA));
    int mib = 1 << 20;
    assertEquals(MessageType.CHUNK_CREDIT, announce(greedy, 1, 3 * mib / 2).type(), "one message is always let in");
    Header refused = announce(greedy, 2, 3 * mib / 2);
    assertEquals(MessageType.ERROR, refused.type(), "a second one past half the budget is refused");
    assertEquals(2, refused.seq());
    assertEquals(MessageType.CHUNK_CREDIT, greedy.nextHeader().type());
    assertEquals(MessageType.CHUNK_CREDIT, announce(other, 1, 3 * mib / 2).type(), "another remote still gets in");
    // greedy's first transfer, other's transfer, and the budget they hold
    Await.until("both transfers are held", () -> server.internalEntries() == 3, () -> String.valueOf(server.internalEntries()));
  }
}
