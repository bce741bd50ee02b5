package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.callosum.fanout.Delivery;
import io.callosum.lower.Endpoint;
import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutListener;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.LinkListener;
import io.callosum.lower.Transport;
import io.callosum.lower.TransportConfig;
import io.callosum.testing.FuzzInput;
import io.callosum.testing.FuzzSeeds;
import io.callosum.testing.ThreadAllocation;
import io.callosum.upper.MsgpackCodec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Fuzz targets of broadcast and pipeline items as a remote sends them (docs/FUZZING.md): the item
 * header ({@link FanoutHeader}) and the receiving queue ({@link FanoutReceiverCore}), fed by a
 * lower that behaves (it stops delivering when told the queue is full, until resumed). Decoding a
 * header throws nothing but {@link BadMessageException} and round-trips; the receiver counts every
 * item as received or malformed, keeps at most its capacity, hands out what it took in, in order,
 * and never counts a negative gap; each item costs at most a bound linear in its size.
 */
class FanoutFuzzTest {
  private static final int CAPACITY = 4;
  private static final long MAX_QUEUED_BYTES = 4096;
  private static final MsgpackCodec CODEC = new MsgpackCodec(16);

  @FuzzTest
  void header(byte[] bytes) throws Exception {
    FanoutHeader h;
    try {
      h = FanoutHeader.decode(bytes);
    } catch (BadMessageException e) {
      return;
    }
    assertTrue(h.sequence() >= 1);
    assertArrayEquals(bytes, h.encode());
  }

  /** First byte: the pattern (bit 0: pipeline); then items, and takes by the application. */
  @FuzzTest
  void receiver(byte[] data) throws Exception {
    FuzzInput in = new FuzzInput(data);
    FanoutPattern pattern = in.bool() ? FanoutPattern.PIPELINE : FanoutPattern.BROADCAST;
    StubLower lower = new StubLower();
    FanoutConfig config = new FanoutConfig(pattern, true, CAPACITY, 1024);
    try (FanoutReceiverCore core =
        new FanoutReceiverCore(
            lower, URI.create("fuzz://fanout"), config, List.of(), CODEC, null, MAX_QUEUED_BYTES)) {
      ArrayDeque<byte[]> expected = new ArrayDeque<>();
      long items = 0;
      while (in.more()) {
        if (in.below(3) == 0 || lower.paused) {
          Delivery d = core.poll(Duration.ZERO);
          if (d != null) {
            assertArrayEquals(expected.poll(), d.body().bytes(), "items come out in order");
          }
          continue;
        }
        byte[] topic = in.chunk();
        byte[] header = in.bool() ? in.chunk() : new FanoutHeader(in.below(3), in.u64()).encode();
        FanoutItem item = new FanoutItem(topic, header, in.chunk());
        long malformedBefore = core.malformed();
        ThreadAllocation.Mark mark = ThreadAllocation.mark();
        lower.paused = !lower.listener.received(item);
        mark.check((64 << 10) + 8L * item.size(), "an item of " + item.size() + " bytes");
        items++;
        if (core.malformed() == malformedBefore) {
          expected.add(item.body());
        }
        assertEquals(
            items, core.received() + core.malformed(), "every item is received or malformed");
        assertTrue(core.queued() <= CAPACITY, "at most the capacity is queued");
        assertTrue(core.missed() >= 0, "a gap is never negative");
        if (lower.paused) {
          assertTrue(
              core.queued() == CAPACITY || bytes(expected) >= MAX_QUEUED_BYTES,
              "paused only when full");
        }
      }
      assertEquals(expected.size(), core.queued());
    }
  }

  private static long bytes(ArrayDeque<byte[]> q) {
    return q.stream().mapToLong(b -> b.length).sum();
  }

  /** A lower that only opens a receiver and remembers its listener; {@code resume} unpauses. */
  static final class StubLower implements Transport {
    FanoutListener listener;
    boolean paused;

    @Override
    public Set<String> schemes() {
      return Set.of("fuzz");
    }

    @Override
    public Endpoint bind(URI address, TransportConfig config, LinkListener l) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Endpoint connect(URI address, TransportConfig config, LinkListener l) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean supports(FanoutPattern pattern) {
      return true;
    }

    @Override
    public FanoutReceiver openReceiver(
        URI address, FanoutConfig config, List<String> topicPrefixes, FanoutListener l) {
      this.listener = l;
      return new FanoutReceiver() {
        @Override
        public String address() {
          return address.toString();
        }

        @Override
        public void resume() {
          paused = false;
        }

        @Override
        public void close() {}
      };
    }
  }

  @Test
  void seeds() {
    Map<String, byte[]> header = new LinkedHashMap<>();
    header.put("first", new FanoutHeader(0x0123_4567_89ab_cdefL, 1).encode());
    Map<String, byte[]> receiver = new LinkedHashMap<>();
    FuzzInput.Writer w = new FuzzInput.Writer().u8(0);
    for (long seq : new long[] {1, 2, 5, 3}) {
      w.u8(1)
          .chunk("news".getBytes(StandardCharsets.UTF_8))
          .u8(0)
          .u8(1)
          .u64(seq)
          .chunk(CODEC.encode("item " + seq));
    }
    receiver.put("broadcast-gap", w.u8(0).u8(0).toByteArray());
    FuzzSeeds.check(getClass(), Map.of("header", header, "receiver", receiver));
  }
}
