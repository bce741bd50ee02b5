package io.callosum.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.auth.CurveKeyPair;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.lower.tcp.testing.FreezableProxy;
import io.callosum.lower.tcp.testing.RawCurveLink;
import io.callosum.lower.tcp.testing.RawTcp;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bounds and refusals of the gateway: what a peer or a link that does not read, floods or loses a
 * duplicate link can do.
 */
class GatewayHardeningTest {
  private static final int REGISTER = 0x09;
  private static final int CREDIT = 0x0C;
  private static final int ACCEPTOR_BIT = 0x8000_0000;
  private static final long MAX_CHANNEL_BUFFER = 64 << 10;

  @RegisterExtension final Closer closer = new Closer();

  private static byte[] next(RawTcp r) throws IOException {
    while (true) {
      byte[] f = r.readFrame();
      if (f == null || (f[0] != RawTcp.PING && f[0] != RawTcp.PONG)) {
        return f;
      }
    }
  }

  /**
   * The per-leg bound (maxChannelBuffer) alone would let a receiver that does not read hold any
   * amount: each channel closed for it leaves its bytes queued, and the sender opens the next one.
   * Everything queued towards one connection counts against its send backlog, whether or not the
   * channels are still open: once it is full, new channels towards the receiver are refused (and a
   * receiver that has taken nothing for a heartbeat interval is cut).
   */
  @Test
  void bytesOfChannelsClosedForTheBufferBoundStillCountAgainstTheConnectionsBacklog()
      throws Exception {
    long backlog = 1 << 20;
    Gateway g =
        closer.later(
            Gateway.start(
                GatewayConfig.builder("S")
                    .listen(Clusters.LOOPBACK)
                    .maxChannelBuffer(MAX_CHANNEL_BUFFER)
                    .tcp(
                        TcpOptions.builder()
                            .maxSendBacklog(backlog)
                            .heartbeat(Duration.ofSeconds(1), Duration.ofSeconds(60))
                            .build())
                    .build()));
    RawTcp sink = closer.later(RawTcp.connectSmallBuffer(g.localAddress()).handshake());
    sink.sendFrame(RawTcp.channelFrame(REGISTER, 1, "sink".getBytes(StandardCharsets.UTF_8)));
    byte[] ok = next(sink);
    assertEquals(0, ok[5], "registered");
    RawTcp sender = closer.later(RawTcp.connect(g.localAddress()).handshake());
    byte[] body = new byte[30_000];
    for (int i = 1; ; i++) {
      assertTrue(
          i < 5_000,
          "the gateway still opens channels towards the sink, which reads nothing, after " + i);
      long refused = g.status().refusals();
      sender.sendFrame(
          GatewayBadInputTest.openTo(i, "S/sink".getBytes(StandardCharsets.UTF_8), new byte[0]));
      Await.until(
          "the gateway opened channel " + i + " towards the sink, or refused it",
          () -> g.status().channels() == 2 || g.status().refusals() > refused);
      if (g.status().channels() != 2) { // the sink's backlog is full
        byte[] f = next(sender);
        assertEquals(RawTcp.CLOSE, f[0]);
        String why = new String(f, 5, f.length - 5, StandardCharsets.UTF_8);
        assertTrue(why.contains("does not keep up") || why.contains("does not read"), why);
        break;
      }
      // The sink no longer reads; it knows the gateway's next id in its own space.
      sink.sendFrame(RawTcp.channelFrame(RawTcp.OPENED, ACCEPTOR_BIT | i, new byte[0]));
      assertEquals(RawTcp.OPENED, next(sender)[0]);
      do {
        sender.sendFrame(RawTcp.data(i, new byte[0], body));
      } while (g.status().channels() == 2);
      byte[] f = next(sender);
      assertEquals(RawTcp.CLOSE, f[0]);
      assertTrue(
          new String(f, 5, f.length - 5, StandardCharsets.UTF_8).contains("does not keep up"));
      long held = g.status().bufferedBytes();
      assertTrue(
          held <= 2 * backlog,
          "with no channel open the gateway holds "
              + held
              + " bytes for the sink (maxChannelBuffer "
              + MAX_CHANNEL_BUFFER
              + ", maxSendBacklog "
              + backlog
              + ")");
    }
    GatewayStatus s = g.status();
    assertEquals(0, s.channels());
    assertTrue(
        s.bufferedBytes() <= 2 * backlog, "the gateway holds " + s.bufferedBytes() + " bytes");
  }

  private static final TcpOptions FAST =
      TcpOptions.builder()
          .heartbeat(Duration.ofMillis(50), Duration.ofMillis(300))
          .reconnect(Duration.ofMillis(20), Duration.ofMillis(200))
          .build();

  private static long upLinks(Gateway g, String cluster) {
    return g.status().links().stream().filter(l -> l.cluster().equals(cluster) && l.up()).count();
  }

  /**
   * Both gateways dial each other (two links between A and B). New channels take the newer link;
   * when it is lost, the older one, still up, carries them: the clusters reach each other as long
   * as one link between them is up.
   */
  @Test
  void whenBothGatewaysDialEachOtherLosingOneLinkKeepsTheOtherInUse() throws Exception {
    CurveKeyPair keyA = CurveKeyPair.generate();
    CurveKeyPair keyB = CurveKeyPair.generate();
    FreezableProxy toB = closer.later(new FreezableProxy("tcp://127.0.0.1:1"));
    FreezableProxy toA = closer.later(new FreezableProxy("tcp://127.0.0.1:1"));
    Gateway a =
        closer.later(
            Gateway.start(
                GatewayConfig.builder("A")
                    .listen(Clusters.LOOPBACK)
                    .linkListen(Clusters.LOOPBACK)
                    .keyPair(keyA)
                    .allowGateway("B", keyB.publicKey())
                    .link("B", URI.create(toB.address()), keyB.publicKey())
                    .tcp(FAST)
                    .build()));
    toA.retarget(a.linkAddress());
    Gateway b =
        closer.later(
            Gateway.start(
                GatewayConfig.builder("B")
                    .listen(Clusters.LOOPBACK)
                    .linkListen(Clusters.LOOPBACK)
                    .keyPair(keyB)
                    .allowGateway("A", keyA.publicKey())
                    .link("A", URI.create(toA.address()), keyA.publicKey())
                    .grant("A", "s1")
                    .tcp(FAST)
                    .build()));
    Peer server =
        closer.later(
            Peer.builder()
                .transport(
                    new TcpTransport(
                        FAST.toBuilder().gateway(URI.create(b.localAddress())).build()))
                .bind("tunnel://B/s1")
                .build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    Await.until("B's link to A is up", () -> a.linkUp("B") && b.linkUp("A"));
    toB.retarget(b.linkAddress()); // now A's own link to B comes up too: the newer one
    Await.until("two links between A and B", () -> upLinks(a, "B") == 2 && upLinks(b, "A") == 2);

    toB.freeze(true, true); // the newer link (A dialled B) goes silent and is lost
    Await.until(
        "the newer link is lost on both sides", () -> upLinks(a, "B") == 1 && upLinks(b, "A") == 1);
    assertTrue(
        a.linkUp("B") && b.linkUp("A"),
        "a link between A and B is up (status: "
            + a.status().links()
            + "), yet the gateways route nothing over it");
    ConnectedPeer client =
        closer.later(
            Peer.builder()
                .transport(
                    new TcpTransport(
                        FAST.toBuilder().gateway(URI.create(a.localAddress())).build()))
                .connect("tunnel://B/s1")
                .connectTimeout(Duration.ofSeconds(5))
                .build());
    client.start();
    assertEquals("over the older link", Await.result(client.invoke("echo", "over the older link")));
  }

  private ConnectedPeer clientOf(Clusters c, String address) {
    TcpTransport own =
        new TcpTransport(TcpOptions.builder().gateway(URI.create(c.a.localAddress())).build());
    return closer.later(
        Peer.builder()
            .transport(own)
            .connect(address)
            .connectTimeout(Duration.ofSeconds(5))
            .build());
  }

  /**
   * A link at its channel limit refuses further opens; but the refusals are counted over the whole
   * life of the link (never reset), and past maxChannelsPerConnection of them the gateway aborts
   * the link as a "flood": every channel of every peer between the two clusters is lost because a
   * few callers, at different times, were refused.
   */
  @Test
  void refusedOpensOverALinksLifetimeDoNotCutTheWholeLink() throws Exception {
    Clusters c =
        closer.later(
            Clusters.start(
                TcpOptions.builder().maxChannelsPerConnection(2).build(),
                a -> a,
                b -> b.grant("A", "s*")));
    for (String n : new String[] {"s1", "s2"}) {
      Peer p = closer.later(Peer.builder().transport(c.viaB).bind("tunnel://B/" + n).build());
      p.handle("echo", (ctx, body) -> body.value());
      p.start();
    }
    ConnectedPeer c1 = clientOf(c, "tunnel://B/s1").start();
    ConnectedPeer c2 = clientOf(c, "tunnel://B/s2").start();
    assertEquals("ok", Await.result(c1.invoke("echo", "ok")));
    assertEquals("ok", Await.result(c2.invoke("echo", "ok")));
    for (int i = 0; i < 3; i++) { // three callers, one at a time, each refused once
      ConnectedPeer late = clientOf(c, "tunnel://B/s1");
      Throwable t = Assertions.assertThrows(RuntimeException.class, late::start);
      assertTrue(
          String.valueOf(t.getMessage()).contains("channel limit"), String.valueOf(t.getMessage()));
    }
    assertEquals(
        "ok",
        Await.result(c1.invoke("echo", "ok")),
        "the established channels survive refused opens");
    assertTrue(c.a.linkUp("B"));
  }

  /**
   * Each refused OPEN_TO is answered with a CLOSE carrying a reason (several times the size of the
   * open): a local peer that sends refused opens and does not read would make the gateway hold any
   * amount. The refusals count against its send backlog, and past it the peer is cut.
   */
  @Test
  void refusedOpensFromAPeerThatDoesNotReadAreNotQueuedWithoutBound() throws Exception {
    long backlog = 1 << 20;
    Gateway g =
        closer.later(
            Gateway.start(
                GatewayConfig.builder("S")
                    .listen(Clusters.LOOPBACK)
                    .tcp(
                        TcpOptions.builder()
                            .maxSendBacklog(backlog)
                            .heartbeat(Duration.ofSeconds(1), Duration.ofSeconds(60))
                            .build())
                    .build()));
    RawTcp r = closer.later(RawTcp.connectSmallBuffer(g.localAddress()).handshake());
    // A 7-byte malformed OPEN_TO (target length past the end): its CLOSE carries a ~110-byte
    // reason.
    byte[] open = ByteBuffer.allocate(7).put((byte) 0x08).putInt(1).putShort((short) 200).array();
    int n = 150_000;
    ByteBuffer batch = ByteBuffer.allocate(n * (4 + open.length));
    for (int i = 0; i < n; i++) {
      batch.putInt(open.length).put(open);
    }
    try {
      r.send(batch.array());
    } catch (IOException e) {
      // cut while the batch was still being sent
    }
    Await.until(
        "every open was refused, or the peer cut",
        () -> g.status().refusals() >= n || g.status().localConnections() == 0);
    GatewayStatus s = g.status();
    assertEquals(
        0,
        s.localConnections(),
        "the peer that does not read is cut ("
            + s.refusals()
            + " refusals, "
            + s.bufferedBytes()
            + " bytes held for it, send backlog limit "
            + backlog
            + ")");
    assertTrue(
        s.refusals() < n, "it was cut before all " + n + " refusals were queued: " + s.refusals());
    assertEquals(0, s.bufferedBytes(), "nothing is held for it any more");
  }

  /**
   * A link to the gateway's own cluster is refused, but letting a key dial in "for" the own cluster
   * is not: callers over that link then carry the identity of local callers (the OPEN_TO origin is
   * the gateway's own cluster name), and grants for the own cluster name apply to a remote.
   */
  @Test
  void aGatewayKeyAllowedForTheGatewaysOwnClusterIsRefused() {
    CurveKeyPair own = CurveKeyPair.generate();
    CurveKeyPair other = CurveKeyPair.generate();
    IllegalArgumentException e =
        Assertions.assertThrows(
            IllegalArgumentException.class,
            () ->
                GatewayConfig.builder("A")
                    .linkListen(Clusters.LOOPBACK)
                    .keyPair(own)
                    .allowGateway("A", other.publicKey())
                    .build());
    assertTrue(e.getMessage().contains("allowGateways names its own cluster A"), e.getMessage());
  }

  /**
   * Grants are for remote clusters: one for the gateway's own name would apply to a remote speaking
   * for it.
   */
  @Test
  void aGrantForTheGatewaysOwnClusterIsRefused() {
    IllegalArgumentException e =
        Assertions.assertThrows(
            IllegalArgumentException.class,
            () -> GatewayConfig.builder("A").listen(Clusters.LOOPBACK).grant("A", "x").build());
    assertTrue(e.getMessage().contains("grants name its own cluster A"), e.getMessage());
  }

  private static String reason(byte[] f, int channel) {
    assertTrue(f != null && f[0] == RawTcp.CLOSE, "a CLOSE");
    assertEquals(channel, ByteBuffer.wrap(f, 1, 4).getInt());
    return new String(f, 5, f.length - 5, StandardCharsets.UTF_8);
  }

  /**
   * A link whose channel limit is reached refuses further opens from the far gateway one by one
   * with a CLOSE, however many: cutting the link would lose every channel between the two clusters.
   */
  @Test
  void opensPastALinksChannelLimitAreRefusedAndTheLinkStays() throws Exception {
    CurveKeyPair keyP = CurveKeyPair.generate();
    CurveKeyPair keyQ = CurveKeyPair.generate();
    Gateway p =
        closer.later(
            Gateway.start(
                GatewayConfig.builder("P")
                    .listen(Clusters.LOOPBACK)
                    .linkListen(Clusters.LOOPBACK)
                    .keyPair(keyP)
                    .allowGateway("Q", keyQ.publicKey())
                    .grant("Q", "x")
                    .tcp(TcpOptions.builder().maxChannelsPerConnection(2).build())
                    .build()));
    RawTcp x = closer.later(RawTcp.connect(p.localAddress()).handshake());
    x.sendFrame(RawTcp.channelFrame(REGISTER, 1, "x".getBytes(StandardCharsets.UTF_8)));
    assertEquals(0, next(x)[5], "registered");
    RawCurveLink link = closer.later(RawCurveLink.connect(p.linkAddress(), keyP.publicKey(), keyQ));
    Await.until("the raw link is up", () -> p.linkUp("Q"));
    link.send(GatewayBadInputTest.openTo(1, "x".getBytes(StandardCharsets.UTF_8), new byte[0]));
    link.send(GatewayBadInputTest.openTo(2, "x".getBytes(StandardCharsets.UTF_8), new byte[0]));
    Await.until("two channels over the link", () -> p.status().channels() == 4);
    for (int i = 3; i < 3 + 10; i++) {
      link.send(GatewayBadInputTest.openTo(i, "x".getBytes(StandardCharsets.UTF_8), new byte[0]));
      assertTrue(reason(link.read(), i).contains("channel limit of 2"));
    }
    assertTrue(p.linkUp("Q"), "the link stays up");
    assertEquals(4, p.status().channels(), "its channels stay open");
    assertEquals(10, p.status().refusals());
  }

  /**
   * A local peer is cut for a flood of opens past its channel limit only when it is refused again
   * and again with none accepted between: an accepted open starts the count again.
   */
  @Test
  void anAcceptedOpenResetsTheFloodCountOfALocalPeer() throws Exception {
    Gateway g =
        closer.later(
            Gateway.start(
                GatewayConfig.builder("S")
                    .listen(Clusters.LOOPBACK)
                    .tcp(TcpOptions.builder().maxChannelsPerConnection(2).build())
                    .build()));
    RawTcp y = closer.later(RawTcp.connect(g.localAddress()).handshake());
    y.sendFrame(RawTcp.channelFrame(REGISTER, 1, "y".getBytes(StandardCharsets.UTF_8)));
    assertEquals(0, next(y)[5], "registered");
    RawTcp r = closer.later(RawTcp.connect(g.localAddress()).handshake());
    byte[] target = "S/y".getBytes(StandardCharsets.UTF_8);
    r.sendFrame(GatewayBadInputTest.openTo(1, target, new byte[0]));
    r.sendFrame(GatewayBadInputTest.openTo(2, target, new byte[0]));
    Await.until("two channels open", () -> g.status().channels() == 4);
    ArrayDeque<Integer> open = new ArrayDeque<>(List.of(1, 2));
    int id = 3;
    for (int round = 0; round < 3; round++) {
      for (int k = 0; k < 2; k++, id++) { // as many refusals as the limit: not yet a flood
        r.sendFrame(GatewayBadInputTest.openTo(id, target, new byte[0]));
        assertTrue(reason(next(r), id).contains("channel limit of 2"));
      }
      r.sendFrame(
          RawTcp.channelFrame(RawTcp.CLOSE, open.removeFirst(), new byte[0])); // one channel ends
      int accepted = id++;
      r.sendFrame(
          GatewayBadInputTest.openTo(
              accepted, target, new byte[0])); // and the next open is accepted
      open.addLast(accepted);
      Await.until(
          "channel " + accepted + " accepted",
          () -> g.status().channels() == 4 || g.status().localConnections() < 2);
    }
    assertEquals(
        2,
        g.status().localConnections(),
        "the peer was refused 6 times past its limit of 2 and is still connected");
  }

  /**
   * Channel ids of an opener are 1..2^31-1 in its space: 0 is refused by a gateway (from a peer and
   * a link) and by a tcp:// endpoint.
   */
  @Test
  void channelIdZeroIsRefusedAsAnOpenersId() throws Exception {
    CurveKeyPair keyP = CurveKeyPair.generate();
    CurveKeyPair keyQ = CurveKeyPair.generate();
    Gateway p =
        closer.later(
            Gateway.start(
                GatewayConfig.builder("P")
                    .listen(Clusters.LOOPBACK)
                    .linkListen(Clusters.LOOPBACK)
                    .keyPair(keyP)
                    .allowGateway("Q", keyQ.publicKey())
                    .grant("Q", "x")
                    .build()));
    RawTcp local = closer.later(RawTcp.connect(p.localAddress()).handshake());
    local.sendFrame(
        GatewayBadInputTest.openTo(0, "P/x".getBytes(StandardCharsets.UTF_8), new byte[0]));
    String why = local.abortReason();
    assertTrue(why.contains("channel id 0 is not an opener's id"), why);

    RawCurveLink link = closer.later(RawCurveLink.connect(p.linkAddress(), keyP.publicKey(), keyQ));
    Await.until("the raw link is up", () -> p.linkUp("Q"));
    link.send(GatewayBadInputTest.openTo(0, "x".getBytes(StandardCharsets.UTF_8), new byte[0]));
    Await.until("the link with an open of channel 0 is cut", () -> !p.linkUp("Q"));
    assertEquals(0, p.status().channels());

    Peer server =
        closer.later(
            Peer.builder().transport(new TcpTransport()).bind("tcp://127.0.0.1:0").build());
    server.start();
    RawTcp direct = closer.later(RawTcp.connect(server.address()).handshake());
    direct.sendFrame(RawTcp.channelFrame(RawTcp.OPEN, 0, new byte[0]));
    why = direct.abortReason();
    assertTrue(why.contains("channel id 0 is not an opener's id"), why);
  }

  /**
   * Sends a refused open on {@code link} and reads up to its CLOSE: every frame sent before is
   * handled. The CREDIT granted meanwhile.
   */
  private static long sync(RawCurveLink link, int channel) throws Exception {
    link.send(
        GatewayBadInputTest.openTo(
            channel, "not-granted".getBytes(StandardCharsets.UTF_8), new byte[0]));
    long credit = 0;
    while (true) {
      byte[] f = link.read();
      assertTrue(f != null, "the link ended");
      if (f[0] == CREDIT) {
        credit += Integer.toUnsignedLong(ByteBuffer.wrap(f, 5, 4).getInt());
      } else if (f[0] == RawTcp.CLOSE && ByteBuffer.wrap(f, 1, 4).getInt() == channel) {
        return credit;
      }
    }
  }

  /**
   * A forward channel closed in order while the gateway still holds bytes for its socket is closed
   * once they are written, and then the gateway forgets the socket (it counted against
   * maxConnections and in the status for ever).
   */
  @Test
  void aForwardSocketClosedAfterDrainingLeavesTheGateway() throws Exception {
    ServerSocket target = closer.later(new ServerSocket());
    target.setReceiveBufferSize(4096);
    target.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    target.setSoTimeout((int) Await.LIMIT.toMillis());
    String hostPort = "127.0.0.1:" + target.getLocalPort();
    CurveKeyPair keyP = CurveKeyPair.generate();
    CurveKeyPair keyQ = CurveKeyPair.generate();
    Gateway p =
        closer.later(
            Gateway.start(
                GatewayConfig.builder("P")
                    .linkListen(Clusters.LOOPBACK)
                    .keyPair(keyP)
                    .allowGateway("Q", keyQ.publicKey())
                    .grantForward("Q", hostPort)
                    .build()));
    RawCurveLink link = closer.later(RawCurveLink.connect(p.linkAddress(), keyP.publicKey(), keyQ));
    Await.until("the raw link is up", () -> p.linkUp("Q"));
    link.send(
        GatewayBadInputTest.openTo(
            1, ("tcp://" + hostPort).getBytes(StandardCharsets.UTF_8), new byte[0]));
    Socket reader = closer.later(target.accept());
    byte[] opened = link.read();
    assertEquals(RawTcp.OPENED, opened[0]);
    // Send what the credit allows until the gateway holds bytes its socket does not take (the
    // target reads nothing).
    long credit = 256 << 10;
    long sent = 0;
    int syncId = 3;
    byte[] chunk = new byte[32 << 10];
    while (true) {
      assertTrue(sent < 256L << 20, "the gateway never held bytes for a socket that reads nothing");
      while (credit >= chunk.length) {
        link.send(RawTcp.data(1, new byte[0], chunk));
        credit -= chunk.length;
        sent += chunk.length;
      }
      credit += sync(link, syncId);
      syncId += 2;
      if (p.status().bufferedBytes() > 0) {
        break;
      }
    }
    link.send(
        RawTcp.channelFrame(
            RawTcp.CLOSE, 1, new byte[0])); // an orderly close: write what is held, then close
    sync(link, syncId);
    assertEquals(1, p.status().forwards(), "the socket is still draining");
    assertEquals(
        sent,
        reader.getInputStream().transferTo(OutputStream.nullOutputStream()),
        "every byte, then the end");
    Await.until(
        "the drained socket is gone",
        () -> p.status().forwards() == 0,
        () -> p.status().toString());
    assertEquals(0, p.status().channels());
  }

  /**
   * A forward target that never completes the TCP connection (a listener whose accept queue is
   * full: its SYNs are dropped) is given up after the handshake timeout; the far gateway gets a
   * CLOSE with the reason and the socket leaves the gateway.
   */
  @Test
  void aForwardTargetThatNeverConnectsIsGivenUpAfterTheHandshakeTimeout() throws Exception {
    ServerSocket clogged = closer.later(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
    InetSocketAddress at =
        new InetSocketAddress(InetAddress.getLoopbackAddress(), clogged.getLocalPort());
    for (int i = 0; i < 8; i++) { // never accepted: the queue fills, and later SYNs go unanswered
      SocketChannel filler = closer.later(SocketChannel.open());
      filler.configureBlocking(false);
      filler.connect(at);
    }
    String hostPort = "127.0.0.1:" + clogged.getLocalPort();
    CurveKeyPair keyP = CurveKeyPair.generate();
    CurveKeyPair keyQ = CurveKeyPair.generate();
    Gateway p =
        closer.later(
            Gateway.start(
                GatewayConfig.builder("P")
                    .linkListen(Clusters.LOOPBACK)
                    .keyPair(keyP)
                    .allowGateway("Q", keyQ.publicKey())
                    .grantForward("Q", hostPort)
                    .tcp(TcpOptions.builder().handshakeTimeout(Duration.ofMillis(300)).build())
                    .build()));
    RawCurveLink link = closer.later(RawCurveLink.connect(p.linkAddress(), keyP.publicKey(), keyQ));
    Await.until("the raw link is up", () -> p.linkUp("Q"));
    link.send(
        GatewayBadInputTest.openTo(
            1, ("tcp://" + hostPort).getBytes(StandardCharsets.UTF_8), new byte[0]));
    Await.until(
        "the connection is given up",
        () ->
            p.status().refusals() == 1 && p.status().forwards() == 0 && p.status().channels() == 0,
        () -> p.status().toString());
    String why = reason(link.read(), 1); // already sent
    assertTrue(
        why.contains("cannot connect to") && why.contains("no connection within 300 ms"), why);
    assertTrue(p.linkUp("Q"));
  }

  /**
   * A forwarded connection whose OPEN_TO the far gateway never answers is closed after twice the
   * handshake timeout: the local socket ends, the far gateway gets a CLOSE, the socket leaves.
   */
  @Test
  void aForwardOpenTheFarGatewayNeverAnswersIsGivenUp() throws Exception {
    CurveKeyPair keyP = CurveKeyPair.generate();
    CurveKeyPair keyQ = CurveKeyPair.generate();
    Gateway p =
        closer.later(
            Gateway.start(
                GatewayConfig.builder("P")
                    .linkListen(Clusters.LOOPBACK)
                    .keyPair(keyP)
                    .allowGateway("Q", keyQ.publicKey())
                    .forward(Clusters.LOOPBACK, "Q", "db.internal:5432")
                    .tcp(TcpOptions.builder().handshakeTimeout(Duration.ofMillis(200)).build())
                    .build()));
    RawCurveLink link = closer.later(RawCurveLink.connect(p.linkAddress(), keyP.publicKey(), keyQ));
    Await.until("the raw link is up", () -> p.linkUp("Q"));
    URI f = URI.create(p.forwardAddresses().get(0));
    Socket client = closer.later(new Socket(f.getHost(), f.getPort()));
    client.setSoTimeout((int) Await.LIMIT.toMillis());
    byte[] open = link.read();
    assertEquals(0x08, open[0], "an OPEN_TO over the link");
    int channel = ByteBuffer.wrap(open, 1, 4).getInt();
    Await.until(
        "the unanswered forward is given up",
        () ->
            p.status().refusals() == 1 && p.status().forwards() == 0 && p.status().channels() == 0,
        () -> p.status().toString());
    String why = reason(link.read(), channel); // already sent
    assertTrue(why.contains("was not answered by the far gateway within 400 ms"), why);
    assertEquals(-1, client.getInputStream().read(), "the local connection is closed");
  }
}
