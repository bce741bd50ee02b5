package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.callosum.fanout.Delivery;
import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutListener;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.ReadBatch;
import io.callosum.upper.Codec;
import io.callosum.upper.MsgpackCodec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Receivers of one process that a lower hands the same item in one read round (as {@code
 * SharedBroadcastReceivers} does) decode its header and topic once, and share one delivery when
 * their codecs decode alike: with sixteen receivers, decoding per receiver was most of what a TCP
 * receiving thread allocated.
 */
class SharedDecodeTest {
  private static final URI ADDRESS = URI.create("test://shared-decode");
  private static final FanoutConfig CONFIG =
      new FanoutConfig(FanoutPattern.BROADCAST, false, 16, 1 << 20);

  /** The listener each receiver gave its lower, in the order the receivers were made. */
  private final List<FanoutListener> listeners = new ArrayList<>();

  private final List<FanoutReceiverCore> receivers = new ArrayList<>();

  private void receiver(Codec codec) {
    FanoutFuzzTest.StubLower lower = new FanoutFuzzTest.StubLower();
    receivers.add(new FanoutReceiverCore(lower, ADDRESS, CONFIG, List.of(), codec, null, 1 << 20));
    listeners.add(lower.listener);
  }

  @AfterEach
  void close() {
    receivers.forEach(FanoutReceiverCore::close);
  }

  /** One item handed to a receiver of each codec in one read round; what each took. */
  private List<Delivery> oneItemTo(Codec... codecs) throws InterruptedException {
    for (Codec c : codecs) {
      receiver(c);
    }
    FanoutItem item =
        new FanoutItem(
            "t".getBytes(StandardCharsets.UTF_8),
            new FanoutHeader(7, 1).encode(),
            new MsgpackCodec().encode("v"));
    ReadBatch.begin();
    try {
      listeners.forEach(l -> l.received(item));
    } finally {
      ReadBatch.end();
    }
    List<Delivery> taken = new ArrayList<>();
    for (FanoutReceiverCore r : receivers) {
      Delivery d = r.poll(Duration.ZERO);
      assertEquals("t", d.topic());
      assertEquals("v", d.value());
      taken.add(d);
    }
    return taken;
  }

  @Test
  void receiversOfOneCodecShareOneDelivery() throws Exception {
    MsgpackCodec codec = new MsgpackCodec();
    List<Delivery> d = oneItemTo(codec, codec, codec);
    assertSame(d.get(0), d.get(1));
    assertSame(d.get(0), d.get(2));
  }

  @Test
  void receiversOfCodecsThatDecodeAlikeShareOneDelivery() throws Exception {
    List<Delivery> d = oneItemTo(new MsgpackCodec(), new MsgpackCodec(), new MsgpackCodec());
    assertSame(d.get(0), d.get(1), "two msgpack codecs with the same limits decode alike");
    assertSame(d.get(0), d.get(2));
  }

  @Test
  void aReceiverWhoseCodecDecodesOtherwiseGetsADeliveryOfItsOwn() throws Exception {
    List<Delivery> d = oneItemTo(new MsgpackCodec(8), new MsgpackCodec(16), new MsgpackCodec(16));
    assertNotSame(d.get(0), d.get(1), "other limits: its own delivery, decoding with its codec");
    assertSame(d.get(1), d.get(2));
  }

  @Test
  void outsideAReadRoundNothingIsKept() throws Exception {
    MsgpackCodec codec = new MsgpackCodec();
    receiver(codec);
    receiver(codec);
    FanoutItem item =
        new FanoutItem(
            "t".getBytes(StandardCharsets.UTF_8), new FanoutHeader(7, 1).encode(), codec.encode(1));
    listeners.forEach(l -> l.received(item));
    assertNotSame(
        receivers.get(0).poll(Duration.ZERO),
        receivers.get(1).poll(Duration.ZERO),
        "with no round to end it, an item is not remembered past its hand-over");
  }
}
