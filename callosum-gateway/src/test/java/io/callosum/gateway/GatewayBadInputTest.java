package io.callosum.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Peer;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.testing.RawCurveLink;
import io.callosum.lower.tcp.testing.RawTcp;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a misbehaving local peer or remote gateway can send a gateway, each from a raw socket:
 * malformed registrations and opens, oversized names, ids in the wrong space, frames for channels
 * that do not exist, credit overflow, a receiver that stops reading. Each gets a clear answer or a
 * logged drop; the gateway goes on serving everyone else.
 */
class GatewayBadInputTest {
  private static final int OPEN_TO = 0x08;
  private static final int REGISTER = 0x09;
  private static final int REGISTERED = 0x0A;
  private static final int CREDIT = 0x0C;
  private static final int ACCEPTOR_BIT = 0x8000_0000;

  @RegisterExtension final Closer closer = new Closer();
  private Clusters clusters;
  private ConnectedPeer client;

  @BeforeEach
  void start() throws Exception {
    clusters =
        Clusters.start(
            TcpOptions.defaults(), a -> a, b -> b.grant("A", "s*").maxChannelBuffer(1 << 20));
    Peer server =
        closer.later(Peer.builder().transport(clusters.viaB).bind("tunnel://B/s1").build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    client =
        closer
            .later(Peer.builder().transport(clusters.viaA).connect("tunnel://B/s1").build())
            .start();
  }

  @AfterEach
  void stop() {
    clusters.close();
  }

  private void stillServes() throws Exception {
    assertEquals("ok", Await.result(client.invoke("echo", "ok")));
  }

  static byte[] openTo(int channel, byte[] target, byte[] rest) {
    return ByteBuffer.allocate(9 + target.length + rest.length)
        .put((byte) OPEN_TO)
        .putInt(channel)
        .putShort((short) target.length)
        .put(target)
        .putShort((short) 0)
        .put(rest)
        .array();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The next frame that is not a heartbeat. */
  private static byte[] next(RawTcp r) throws IOException {
    while (true) {
      byte[] f = r.readFrame();
      if (f == null || (f[0] != RawTcp.PING && f[0] != RawTcp.PONG)) {
        return f;
      }
    }
  }

  private static String closeReason(byte[] f, int channel) {
    assertNotNull(f, "the connection ended");
    assertEquals(RawTcp.CLOSE, f[0], "a CLOSE");
    assertEquals(channel, ByteBuffer.wrap(f, 1, 4).getInt());
    return new String(f, 5, f.length - 5, StandardCharsets.UTF_8);
  }

  private static String registrationRefusal(byte[] f, int token) {
    assertNotNull(f);
    assertEquals(REGISTERED, f[0]);
    assertEquals(token, ByteBuffer.wrap(f, 1, 4).getInt());
    assertEquals(1, f[5], "refused");
    return new String(f, 6, f.length - 6, StandardCharsets.UTF_8);
  }

  private static void answersPing(RawTcp r) throws IOException {
    r.sendFrame(new byte[] {RawTcp.PING});
    byte[] f = r.readFrame();
    assertNotNull(f);
    assertEquals(RawTcp.PONG, f[0], "the connection is still served");
  }

  @Test
  void malformedRegistrationsAreRefusedWithAReason() throws Exception {
    RawTcp r = closer.later(RawTcp.connect(clusters.b.localAddress()).handshake());
    byte[][] names = {
      new byte[0],
      ascii("bad name"),
      ascii("x".repeat(65)),
      new byte[] {(byte) 0xff, (byte) 0xfe},
      ascii("x".repeat(5000))
    };
    for (int i = 0; i < names.length; i++) {
      r.sendFrame(RawTcp.channelFrame(REGISTER, i, names[i]));
      assertTrue(registrationRefusal(next(r), i).contains("a name is 1..64 of A-Z a-z 0-9 . _ -"));
    }
    answersPing(r);
    assertTrue(clusters.b.status().registered().equals(List.of("s1")));
    stillServes();
  }

  @Test
  void malformedAndOversizedOpensAreRefusedWithAReason() throws Exception {
    RawTcp r = closer.later(RawTcp.connect(clusters.b.localAddress()).handshake());
    byte[] pastTheEnd =
        ByteBuffer.allocate(9)
            .put((byte) OPEN_TO)
            .putInt(1)
            .putShort((short) 200)
            .put(ascii("ab"))
            .array();
    r.sendFrame(pastTheEnd);
    assertTrue(closeReason(next(r), 1).contains("malformed OPEN_TO"));
    r.sendFrame(openTo(2, ascii("B/" + "n".repeat(300)), new byte[0]));
    assertTrue(closeReason(next(r), 2).contains("malformed OPEN_TO"));
    r.sendFrame(openTo(3, ascii("B/" + "n".repeat(100)), new byte[0]));
    assertTrue(closeReason(next(r), 3).contains("the target must be CLUSTER/NAME"));
    r.sendFrame(openTo(4, ascii("nocluster"), new byte[0]));
    assertTrue(closeReason(next(r), 4).contains("the target must be CLUSTER/NAME"));
    r.sendFrame(openTo(5, new byte[] {'B', '/', (byte) 0xc3}, new byte[0]));
    assertTrue(closeReason(next(r), 5).contains("malformed OPEN_TO"));
    byte[] originPastTheEnd =
        ByteBuffer.allocate(13)
            .put((byte) OPEN_TO)
            .putInt(7)
            .putShort((short) 4)
            .put(ascii("B/s1"))
            .putShort((short) 9)
            .array();
    r.sendFrame(originPastTheEnd);
    assertTrue(closeReason(next(r), 7).contains("malformed OPEN_TO"));
    r.sendFrame(RawTcp.channelFrame(RawTcp.OPEN, 6, new byte[0]));
    assertTrue(closeReason(next(r), 6).contains("open channels with a target"));
    answersPing(r);
    stillServes();
  }

  @Test
  void framesForChannelsThatDoNotExistAreDropped() throws Exception {
    RawTcp r = closer.later(RawTcp.connect(clusters.b.localAddress()).handshake());
    r.sendFrame(RawTcp.data(77, new byte[] {1}, new byte[] {2}));
    r.sendFrame(RawTcp.channelFrame(RawTcp.CLOSE, 78, ascii("bye")));
    r.sendFrame(RawTcp.channelFrame(CREDIT, 79, new byte[] {0, 0, 1, 0}));
    r.sendFrame(
        RawTcp.channelFrame(0x0B, 80, new byte[0])); // UNREGISTER of a token never registered
    r.sendFrame(RawTcp.channelFrame(RawTcp.OPENED, ACCEPTOR_BIT | 81, new byte[0]));
    assertTrue(closeReason(next(r), ACCEPTOR_BIT | 81).contains("the opener has gone"));
    answersPing(r);
    stillServes();
  }

  @Test
  void framesOnlyAGatewaySendsAreRefused() throws Exception {
    RawTcp r = closer.later(RawTcp.connect(clusters.b.localAddress()).handshake());
    r.sendFrame(RawTcp.channelFrame(REGISTERED, 1, new byte[] {0}));
    assertTrue(r.abortReason().contains("frame kind 0xa is not sent to a gateway"));
    stillServes();
  }

  @Test
  void creditOnAChannelThatIsNotAForwardClosesThatChannel() throws Exception {
    RawTcp r = closer.later(RawTcp.connect(clusters.b.localAddress()).handshake());
    r.sendFrame(openTo(1, ascii("B/s1"), new byte[0]));
    byte[] opened = next(r);
    assertEquals(RawTcp.OPENED, opened[0]);
    r.sendFrame(RawTcp.channelFrame(CREDIT, 1, new byte[] {0, 0, 0, 1}));
    assertTrue(closeReason(next(r), 1).contains("CREDIT on a channel that is not an open forward"));
    answersPing(r);
    stillServes();
  }

  @Test
  void anOpenInTheGatewaysIdSpaceCutsThatConnectionAlone() throws Exception {
    RawTcp r = closer.later(RawTcp.connect(clusters.b.localAddress()).handshake());
    r.sendFrame(openTo(ACCEPTOR_BIT | 1, ascii("B/s1"), new byte[0]));
    assertTrue(r.abortReason().contains("is not in the opener's id space"));
    RawTcp again = closer.later(RawTcp.connect(clusters.b.localAddress()).handshake());
    again.sendFrame(openTo(1, ascii("B/s1"), new byte[0]));
    again.sendFrame(openTo(1, ascii("B/s1"), new byte[0]));
    assertTrue(again.abortReason().contains("channel 1 is already open"));
    stillServes();
  }

  @Test
  void aReceiverThatStopsReadingLosesItsChannelAlone() throws Exception {
    RawTcp sink = closer.later(RawTcp.connectSmallBuffer(clusters.b.localAddress()).handshake());
    sink.sendFrame(RawTcp.channelFrame(REGISTER, 1, ascii("s-sink")));
    byte[] ok = next(sink);
    assertEquals(REGISTERED, ok[0]);
    assertEquals(0, ok[5]);
    ConnectedPeer producer =
        closer.later(Peer.builder().transport(clusters.viaA).connect("tunnel://B/s-sink").build());
    CompletableFuture<Peer> started = CompletableFuture.supplyAsync(producer::start);
    byte[] open = next(sink);
    assertEquals(OPEN_TO, open[0]);
    int channel = ByteBuffer.wrap(open, 1, 4).getInt();
    sink.sendFrame(RawTcp.channelFrame(RawTcp.OPENED, channel, new byte[0]));
    Await.result(started);
    // The sink reads nothing more: the calls pile up at gateway B until its channel bound (1 MiB).
    List<CompletableFuture<Object>> calls = new ArrayList<>();
    for (int i = 0; i < 48; i++) {
      calls.add(producer.invoke("take", new byte[256 << 10]));
    }
    for (CompletableFuture<Object> f : calls) {
      Throwable t = Await.failure(f);
      assertInstanceOf(ConnectionLostException.class, t);
    }
    assertTrue(
        Await.failure(calls.get(0)).getMessage().contains("its receiver does not keep up"),
        Await.failure(calls.get(0)).getMessage());
    stillServes();
  }

  @Test
  void connectionsPastTheLimitAreRefusedAndTheOthersServed() throws Exception {
    Gateway small =
        closer.later(
            Gateway.start(
                GatewayConfig.builder("S")
                    .listen(Clusters.LOOPBACK)
                    .tcp(TcpOptions.builder().maxConnections(2).maxConnectionsPerAddress(2).build())
                    .build()));
    RawTcp first = closer.later(RawTcp.connect(small.localAddress()).handshake());
    RawTcp second = closer.later(RawTcp.connect(small.localAddress()).handshake());
    RawTcp third = closer.later(RawTcp.connect(small.localAddress()));
    third.readPreamble();
    assertEquals("the gateway of cluster S serves at most 2 connections", third.abortReason());
    answersPing(first);
    answersPing(second);
    assertEquals(1, small.status().refusals());
  }

  @Test
  void idleConnectionsFromOneSourceDoNotLockOutAnother() throws Exception {
    Gateway small =
        closer.later(
            Gateway.start(
                GatewayConfig.builder("S")
                    .listen(Clusters.LOOPBACK)
                    .tcp(TcpOptions.builder().maxConnections(6).maxConnectionsPerAddress(3).build())
                    .build()));
    List<RawTcp> held = new ArrayList<>();
    for (int i = 0; i < 6; i++) { // as many as the gateway serves in all
      RawTcp r = closer.later(RawTcp.connectFrom("127.0.0.2", small.localAddress()));
      if (i < 3) {
        held.add(r.handshake());
      } else {
        r.readPreamble();
        assertEquals(
            "the gateway of cluster S serves at most 3 connections from 127.0.0.2"
                + " (maxConnectionsPerAddress)",
            r.abortReason());
      }
    }
    answersPing(closer.later(RawTcp.connect(small.localAddress()).handshake()));
    for (RawTcp r : held) {
      answersPing(r);
    }
    assertEquals(3, small.status().refusals());
    held.get(0).close();
    Await.until(
        "127.0.0.2 gets a connection again once one of its connections ended",
        () -> {
          try (RawTcp r = RawTcp.connectFrom("127.0.0.2", small.localAddress()).handshake()) {
            answersPing(r);
            return true;
          } catch (IOException | AssertionError e) {
            return false;
          }
        });
  }

  @Test
  void aMisbehavingGatewayLinkGetsClearAnswers() throws Exception {
    GatewayConfig config =
        GatewayConfig.builder("P")
            .listen(Clusters.LOOPBACK)
            .linkListen(Clusters.LOOPBACK)
            .keyPair(clusters.keyA)
            .allowGateway("Q", clusters.keyB.publicKey())
            .grant("Q", "x")
            .forward(Clusters.LOOPBACK, "Q", "127.0.0.1:9")
            .build();
    Gateway p = closer.later(Gateway.start(config));
    RawCurveLink link =
        closer.later(
            RawCurveLink.connect(p.linkAddress(), clusters.keyA.publicKey(), clusters.keyB));
    Await.until("the raw link is up", () -> p.linkUp("Q"));

    link.send(openTo(1, ascii("y"), new byte[0]));
    assertTrue(
        closeReason(link.read(), 1)
            .contains("cluster Q may not reach y in cluster P (not granted)"));
    link.send(openTo(2, ascii("x"), new byte[0]));
    assertTrue(closeReason(link.read(), 2).contains("no peer named x is registered at cluster P"));
    link.send(openTo(3, ascii("tcp://127.0.0.1:10"), new byte[0]));
    assertTrue(closeReason(link.read(), 3).contains("may not forward to 127.0.0.1:10"));
    link.send(openTo(4, ascii("n".repeat(256)), new byte[0]));
    assertTrue(closeReason(link.read(), 4).contains("malformed OPEN_TO"));
    link.send(RawTcp.data(99, new byte[0], new byte[] {1, 2, 3}));
    link.send(RawTcp.channelFrame(CREDIT, 98, new byte[] {0, 0, 0, 1}));

    // A forwarded connection: the far side answers OPENED, then grants more than the window.
    URI fwd = URI.create(p.forwardAddresses().get(0));
    Socket s = closer.later(new Socket());
    s.connect(new InetSocketAddress(fwd.getHost(), fwd.getPort()), (int) Await.LIMIT.toMillis());
    s.setSoTimeout((int) Await.LIMIT.toMillis());
    byte[] open = link.read();
    assertEquals(OPEN_TO, open[0]);
    int channel = ByteBuffer.wrap(open, 1, 4).getInt();
    assertTrue((channel & ACCEPTOR_BIT) != 0, "the accepting gateway opens in its own id space");
    link.send(RawTcp.channelFrame(RawTcp.OPENED, channel, new byte[0]));
    link.send(RawTcp.channelFrame(CREDIT, channel, new byte[] {0, 0, 0, 1}));
    assertTrue(closeReason(link.read(), channel).contains("credit overflow"));
    assertEquals(-1, s.getInputStream().read(), "the forwarded socket is closed");
    assertTrue(p.linkUp("Q"), "the link stays up");
    assertTrue(p.status().refusals() >= 4);

    link.send(RawTcp.channelFrame(REGISTER, 1, ascii("z")));
    byte[] f;
    while ((f = link.read()) != null && f[0] != RawTcp.ABORT) {
      // frames before the ABORT
    }
    assertNotNull(f, "an ABORT before the end");
    assertTrue(
        new String(f, 2, f.length - 2, StandardCharsets.UTF_8)
            .contains("REGISTER on a link between gateways"));
    stillServes();
  }
}
