package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.callosum.Limits;
import io.callosum.OrderKey;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.testing.FuzzInput;
import io.callosum.testing.FuzzSeeds;
import io.callosum.testing.ManualTimer;
import io.callosum.testing.ThreadAllocation;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A fuzz target of big messages arriving in chunks ({@link ChunkTransfers}, {@link Chunks};
 * docs/FUZZING.md), below the dispatcher: announcements, chunks, credit and stop messages for a few
 * calls, steps of the clock (the stall watch) and calls ending, in the order the input gives.
 * Invariants: the announced bytes held per remote stay within half of {@code maxBufferedBytes} (or
 * one message), a message comes out whole only with exactly its announced length, each step
 * allocates at most what its message and the first buffer of a transfer warrant, and nothing is
 * held once the remote is gone.
 */
class ChunkTransfersFuzzTest {
  private static final int CHUNK = 1024;
  private static final Limits LIMITS =
      Limits.builder().maxMessageSize(64 << 10).maxBufferedBytes(128 << 10).build();
  private static final Capabilities CHUNKS =
      new Capabilities(Capabilities.VERSION, 7, Set.of(Capabilities.CHUNK));

  @FuzzTest
  void intake(byte[] data) throws Exception {
    FuzzInput in = new FuzzInput(data);
    ManualTimer timer = new ManualTimer();
    ChunkTransfers t =
        new ChunkTransfers(
            "fuzz", CHUNK, LIMITS, timer, (r, h, e) -> {}, (r, h, size) -> {}, () -> {});
    RecordingLink link = new RecordingLink(CHUNKS);
    RemoteLink r = new RemoteLink(null, link);
    while (in.more()) {
      long seq = in.below(4);
      MessageType type = in.bool() ? MessageType.FUNCTION : MessageType.RESULT;
      Header call = new Header(type, "big", OrderKey.NONE, seq, false, List.of());
      int direction = type == MessageType.FUNCTION ? Chunks.REQUEST : Chunks.REPLY;
      ThreadAllocation.Mark mark = ThreadAllocation.mark();
      int op = in.below(6);
      long size = 0;
      switch (op) {
        case 0 -> {
          long total = in.u32() & 0x1ffff;
          byte[] body = in.bool() ? new byte[0] : in.chunk();
          size = Math.min(total, 1 << 20) + body.length;
          t.announced(
              r,
              call.chunked(total),
              new Envelope(MessageCodec.encodeHeader(call.chunked(total)), body));
        }
        case 1 -> {
          byte[] chunk = in.chunk();
          size = chunk.length + (64 << 10);
          Header h = call.stream(MessageType.CHUNK, in.bool() ? direction : 3 - direction, 0, 0);
          Chunks.In before = r.chunksIn.get(Chunks.key(seq, h.streams()));
          Envelope whole = t.chunk(r, h, new Envelope(new byte[0], chunk));
          if (whole != null) {
            assertEquals(
                before.total(),
                whole.body().length,
                "a message comes out with its announced length");
          }
        }
        case 2 -> t.credit(r, call.stream(MessageType.CHUNK_CREDIT, direction, in.below(8), 0));
        case 3 -> timer.advance(Duration.ofSeconds(in.below(100)));
        case 4 -> t.callEnded(r, seq);
        default -> t.dropIn(r, Chunks.key(seq, direction), in.bool());
      }
      // Growth doubles a transfer's buffer up to its announced length: at most twice what arrived.
      mark.check((256 << 10) + 3 * size, "chunk step " + op);
      long held = r.chunkBytesIn.get();
      assertTrue(
          held <= LIMITS.maxBufferedBytes() / 2 || r.chunksIn.size() == 1,
          "a remote holds at most half the budget, or one message");
    }
    t.disconnected(r);
    assertEquals(0, t.entries(), "nothing held once the remote is gone");
    assertTrue(r.chunksIn.isEmpty() && r.chunksOut.isEmpty());
    assertEquals(0, timer.scheduled(), "no stall watch left");
  }

  @Test
  void seeds() {
    FuzzInput.Writer w = new FuzzInput.Writer();
    w.u8(1).u8(1).u8(0).u32(3000).u8(1); // seq 1, FUNCTION, announce 3000 bytes, empty body
    for (int n : new int[] {1024, 1024, 952}) {
      w.u8(1).u8(1).u8(1).chunk(new byte[n]).u8(1); // seq 1, FUNCTION, a chunk in its direction
    }
    FuzzSeeds.check(
        getClass(), Map.of("intake", new LinkedHashMap<>(Map.of("call", w.toByteArray()))));
  }
}
