package io.callosum.lower.zmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.AuthenticationException;
import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.AuthResult;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.Credential;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.ServerAuthenticator;
import io.callosum.fanout.BroadcastReceiver;
import io.callosum.fanout.Broadcaster;
import io.callosum.fanout.Delivery;
import io.callosum.fanout.PipelineReceiver;
import io.callosum.fanout.PipelineSender;
import io.callosum.lower.Transport;
import io.callosum.testing.Await;
import io.callosum.testing.FanoutSuite;
import io.callosum.upper.MsgpackCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Broadcast (PUB/SUB) and pipelines (PUSH/PULL) over ZeroMQ: the shared suite, raw bad input,
 * CURVE.
 */
class ZmqFanoutTest extends FanoutSuite {
  private final ZmqTransport transport = new ZmqTransport();

  @Override
  protected Transport transport() {
    return transport;
  }

  @Override
  protected String bindAddress() {
    return "zmq+tcp://127.0.0.1:0";
  }

  /** Loopback TCP buffers hold megabytes: items of 64 KiB overflow them within a few hundred. */
  @Override
  protected int slowSubscriberItemSize() {
    return 64 << 10;
  }

  @Override
  protected int slowSubscriberItems() {
    return 600;
  }

  /**
   * Messages of the wrong shape from a foreign PUSH socket are dropped and counted; the receiver
   * goes on.
   */
  @Test
  void foreignMessagesOfTheWrongShapeAreDropped() throws Exception {
    PipelineReceiver w = closer.later(worker().bind(bindAddress()).build());
    byte[] good = itemHeader(1, 1);
    byte[] body = new MsgpackCodec().encode("ok");
    try (ZContext ctx = new ZContext()) {
      ZMQ.Socket push = ctx.createSocket(SocketType.PUSH);
      push.setHandshakeIvl(1000); // jeromq's rare stalled handshake (see FanoutSocket) is retried
      push.connect(w.address().substring("zmq+".length()));
      push.send("one frame");
      push.sendMore("two");
      push.send("frames");
      for (int i = 0; i < 8; i++) {
        push.sendMore("f" + i);
      }
      push.send("nine frames");
      push.sendMore("t");
      push.sendMore(good);
      push.sendMore(body);
      push.send("four frames");
      byte[] topic = "good".getBytes(StandardCharsets.UTF_8);
      push.send(
          ByteBuffer.allocate(
                  3 + topic.length + good.length + body.length) // a pipeline item is one frame
              .putShort((short) topic.length)
              .put(topic)
              .put((byte) good.length)
              .put(good)
              .put(body)
              .array());
      Delivery d = w.poll(Await.LIMIT);
      assertEquals("good", d.topic());
      assertEquals("ok", d.value());
      assertEquals(4, w.malformed());
    }
  }

  /**
   * jeromq 0.6.0's negative-frame-length crash, sent to bound broadcast and pipeline sockets: they
   * still serve.
   */
  @Test
  void aNegativeFrameLengthKillsNoFanoutSocket() throws Exception {
    BroadcastReceiver r = closer.later(subscriber().bind(bindAddress()).build());
    PipelineSender s = closer.later(pipeline().bind(bindAddress()).build());
    byte[] minusOne = new byte[8];
    Arrays.fill(minusOne, (byte) 0xff);
    PreAuthCrashTest.sendHostilePacket(r.address(), "NULL", minusOne);
    PreAuthCrashTest.sendHostilePacket(s.address(), "NULL", minusOne);
    Broadcaster b = closer.later(broadcaster().connect(r.address()).build());
    join(b, "sync", r);
    PipelineReceiver w = closer.later(worker().connect(s.address()).build());
    s.send("after", 1, Await.LIMIT);
    assertEquals("after", take(w, 1).get(0).topic());
  }

  /**
   * A CURVE publisher serves allowed subscribers only: an unknown key is refused when it is built,
   * a plain one gets nothing.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void curveBroadcastReachesAllowedKeysOnly(boolean publisherBinds) throws Exception {
    CurveKeyPair serverKeys = CurveKeyPair.generate();
    CurveKeyPair allowedKeys = CurveKeyPair.generate();
    CurveKeyPair unknownKeys = CurveKeyPair.generate();
    AllowListAuthenticator allow = new AllowListAuthenticator("fanout", serverKeys);
    allow.allow(allowedKeys.publicKey());
    AtomicInteger refusals = new AtomicInteger();
    ServerAuthenticator counting =
        new ServerAuthenticator() {
          @Override
          public String domain() {
            return allow.domain();
          }

          @Override
          public CurveKeyPair serverKeyPair() {
            return allow.serverKeyPair();
          }

          @Override
          public AuthResult checkClient(Credential credential) {
            AuthResult r = allow.checkClient(credential);
            if (!r.success()) {
              refusals.incrementAndGet();
            }
            return r;
          }
        };
    ZmqTransport server = new ZmqTransport(ZmqOptions.defaults().withCurveServer(counting));
    ZmqTransport allowed =
        new ZmqTransport(
            ZmqOptions.defaults()
                .withCurveClient(ClientAuthenticator.of(serverKeys.publicKey(), allowedKeys)));
    ZmqTransport unknown =
        new ZmqTransport(
            ZmqOptions.defaults()
                .withCurveClient(ClientAuthenticator.of(serverKeys.publicKey(), unknownKeys)));
    ZmqTransport plain = new ZmqTransport();
    if (publisherBinds) {
      Broadcaster b =
          closer.later(Broadcaster.builder().transport(server).bind(bindAddress()).build());
      BroadcastReceiver ok =
          closer.later(BroadcastReceiver.builder().transport(allowed).connect(b.address()).build());
      AuthenticationException e =
          assertThrows(
              AuthenticationException.class,
              () ->
                  closer.later(
                      BroadcastReceiver.builder().transport(unknown).connect(b.address()).build()));
      assertTrue(e.getMessage().contains("refused our credentials"), e.getMessage());
      BroadcastReceiver noCurve =
          closer.later(BroadcastReceiver.builder().transport(plain).connect(b.address()).build());
      join(b, "sync", ok);
      for (int i = 0; i < 20; i++) {
        b.publish("t", i);
      }
      assertEquals(20, take(ok, 20).size());
      assertTrue(refusals.get() > 0, "the unknown key was not checked");
      assertNull(noCurve.poll(Duration.ofMillis(50)), "a plain subscriber got an item");
    } else {
      BroadcastReceiver r =
          closer.later(BroadcastReceiver.builder().transport(server).bind(bindAddress()).build());
      Broadcaster ok =
          closer.later(Broadcaster.builder().transport(allowed).connect(r.address()).build());
      assertThrows(
          AuthenticationException.class,
          () ->
              closer.later(Broadcaster.builder().transport(unknown).connect(r.address()).build()));
      join(ok, "sync", r);
      for (int i = 0; i < 20; i++) {
        ok.publish("ok", i);
      }
      for (Delivery d : take(r, 20)) {
        assertEquals("ok", d.topic());
      }
      assertTrue(refusals.get() > 0, "the unknown key was not checked");
      Delivery extra;
      while ((extra = r.poll(Duration.ofMillis(200))) != null) {
        assertTrue(
            extra.topic().endsWith("sync"),
            "an item from an unknown key arrived: " + extra.topic());
      }
    }
  }

  /** After the shared suite's open/close cycles, the transport holds no context either. */
  @Test
  void cyclesLeaveNoContextBehind() throws Exception {
    openCloseCyclesReleaseEverything();
    assertEquals(0, transport.openEndpoints(), "endpoints still use the ZeroMQ context");
  }

  /**
   * Connecting broadcast receivers of one transport share one SUB socket: each gets its topics, the
   * socket subscribes to what a receiver that joins later wants, and the last one closes it.
   */
  @Test
  void receiversOfOneTransportShareOneSocket_subscribedToTheirTopics() throws Exception {
    Broadcaster b =
        closer.later(
            Broadcaster.builder().transport(new ZmqTransport()).bind(bindAddress()).build());
    int before = transport.openEndpoints();
    BroadcastReceiver a =
        BroadcastReceiver.builder().transport(transport).connect(b.address()).topics("a").build();
    BroadcastReceiver alsoA =
        closer.later(
            BroadcastReceiver.builder()
                .transport(transport)
                .connect(b.address())
                .topics("a")
                .build());
    join(b, "a-sync", a, alsoA);
    BroadcastReceiver c =
        BroadcastReceiver.builder().transport(transport).connect(b.address()).topics("c").build();
    assertEquals(before + 1, transport.openEndpoints(), "one socket for the three receivers");
    join(b, "c-sync", c); // the socket subscribed to "c" when c joined
    for (int i = 0; i < 10; i++) {
      assertTrue(b.publish(i % 2 == 0 ? "a" : "c", i));
    }
    for (BroadcastReceiver r : List.of(a, alsoA)) {
      List<Delivery> mine = take(r, 5);
      for (int i = 0; i < 5; i++) {
        assertEquals("a", mine.get(i).topic());
        assertEquals(2 * i, ((Number) mine.get(i).value()).intValue());
      }
    }
    List<Delivery> cs = take(c, 5);
    for (int i = 0; i < 5; i++) {
      assertEquals("c", cs.get(i).topic());
      assertEquals(2 * i + 1, ((Number) cs.get(i).value()).intValue());
    }
    a.close();
    c.close();
    assertEquals(before + 1, transport.openEndpoints(), "the last one keeps the socket");
    assertTrue(b.publish("c", -1));
    assertTrue(b.publish("a", 11));
    assertEquals(11, ((Number) take(alsoA, 1).get(0).value()).intValue());
    alsoA.close();
    Await.until(
        "the last receiver closes the shared socket", () -> transport.openEndpoints() == before);
  }

  /**
   * A receiver of a shared socket that takes nothing keeps its queue capacity and misses the rest
   * (counted), while another of the socket gets everything.
   */
  @Test
  void aSlowReceiverOfASharedSocketMissesItems_whileTheOtherGetsEverything() throws Exception {
    Broadcaster b =
        closer.later(
            Broadcaster.builder().transport(new ZmqTransport()).bind(bindAddress()).build());
    BroadcastReceiver fast =
        closer.later(BroadcastReceiver.builder().transport(transport).connect(b.address()).build());
    BroadcastReceiver slow =
        closer.later(
            BroadcastReceiver.builder()
                .transport(transport)
                .connect(b.address())
                .queueCapacity(4)
                .build());
    join(b, "sync", fast, slow);
    // One socket keeps the publisher's order: once "last" is taken, no sync is left in flight.
    assertTrue(b.publish("sync", "last"));
    for (BroadcastReceiver r : List.of(fast, slow)) {
      long deadline = System.nanoTime() + Await.LIMIT.toNanos();
      Delivery d;
      do {
        assertTrue(System.nanoTime() < deadline, "the last sync did not arrive");
        d = r.poll(Duration.ofMillis(10));
      } while (d == null || !"last".equals(d.value()));
    }
    for (int i = 0; i < 20; i++) {
      assertTrue(b.publish("t", i));
    }
    List<Delivery> all = take(fast, 20);
    for (int i = 0; i < 20; i++) {
      assertEquals(i, ((Number) all.get(i).value()).intValue(), "the fast one gets everything");
    }
    for (int i = 0; i < 8; i++) {
      assertEquals(i, ((Number) take(slow, 1).get(0).value()).intValue(), "in order");
    }
    assertTrue(b.publish("t", 20));
    assertEquals(20, ((Number) take(slow, 1).get(0).value()).intValue());
    assertEquals(12, slow.missed(), "the 12 it had no room for, counted from the gap");
    assertEquals(0, fast.missed());
  }
}
