package io.callosum.gateway.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.internal.Wire;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gateway's bounds, against connections whose backlog the test sets. */
class AdmissionGuardTest {
  private static final int MAX_CHANNELS = 2;
  private static final long BACKLOG = 1000;

  private final AdmissionGuard guard =
      new AdmissionGuard(
          "A",
          TcpOptions.builder()
              .maxChannelsPerConnection(MAX_CHANNELS)
              .maxSendBacklog(BACKLOG)
              .maxConnections(3)
              .build(),
          100);

  private static void fill(Side s) {
    for (int i = 1; i <= MAX_CHANNELS; i++) {
      s.legs.put(i, new Leg(s, i));
    }
  }

  @Test
  void opensOutsideTheOpenersIdSpaceOrAlreadyOpenAreProtocolErrors() {
    FakeConnection c = new FakeConnection();
    LocalPeer p = new LocalPeer(c);
    assertFalse(guard.admitOpen(p, Wire.ACCEPTOR_BIT | 1));
    assertFalse(guard.admitOpen(p, 0));
    p.legs.put(1, new Leg(p, 1));
    assertFalse(guard.admitOpen(p, 1));
    assertEquals(
        List.of(
            "1 channel id 2147483649 is not in the opener's id space",
            "1 channel id 0 is not an opener's id (1..2^31-1 in its space)",
            "1 channel 1 is already open"),
        c.ended);
    assertTrue(guard.admitOpen(p, 3));
  }

  @Test
  void aLocalPeerRefusedPastItsLimitAgainAndAgainFloodsAndIsCut() {
    FakeConnection c = new FakeConnection();
    LocalPeer p = new LocalPeer(c);
    fill(p);
    for (int i = 0; i < MAX_CHANNELS; i++) {
      assertFalse(guard.admitOpen(p, 10 + i));
      assertEquals(Wire.CLOSE + " channel limit of 2 per connection reached", c.last());
    }
    assertEquals(List.of(), c.ended);
    assertEquals(2, guard.refusals());
    assertFalse(guard.admitOpen(p, 20));
    assertEquals(1, c.ended.size());
    assertTrue(
        c.ended.get(0).startsWith(Wire.LIMIT + " flood of channel opens: 3 refused within 1000 ms"),
        c.ended.get(0));
  }

  @Test
  void anAcceptedOpenStartsTheFloodCountAgainAndALinkIsNeverCut() {
    FakeConnection c = new FakeConnection();
    LocalPeer p = new LocalPeer(c);
    fill(p);
    assertFalse(guard.admitOpen(p, 10));
    assertFalse(guard.admitOpen(p, 11));
    p.legs.remove(1);
    assertTrue(guard.admitOpen(p, 12));
    p.legs.put(1, new Leg(p, 1));
    assertFalse(guard.admitOpen(p, 13));
    assertFalse(guard.admitOpen(p, 14));
    assertEquals(List.of(), c.ended, "the count began again at the accepted open");

    FakeConnection lc = new FakeConnection();
    GatewayLink link = GatewayLink.dialled(lc, null, "B");
    for (int i = 1; i <= MAX_CHANNELS; i++) {
      link.legs.put(i, new Leg(link, i));
    }
    for (int i = 0; i < 10; i++) {
      assertFalse(guard.admitOpen(link, Wire.ACCEPTOR_BIT | (10 + i)));
    }
    assertEquals(List.of(), lc.ended);
    assertEquals(10, guard.refusals("B"), "counted per link cluster");
  }

  @Test
  void aConnectionThatDoesNotReadItsBacklogIsCutAndOneThatReadsSlowlyIsOnlyRefused() {
    FakeConnection c = new FakeConnection();
    LocalPeer p = new LocalPeer(c);
    assertNull(guard.busy(p, "the peer x"));
    c.queued = BACKLOG;
    assertEquals(
        "the peer x does not keep up: the gateway of cluster A holds 1000 bytes for it (limit"
            + " 1000)",
        guard.busy(p, "the peer x"));
    assertEquals(List.of(), c.ended);
    c.stalled = true;
    assertEquals(
        "the peer x does not read: the gateway of cluster A held 1000 bytes for it (limit 1000) and"
            + " cut it",
        guard.busy(p, "the peer x"));
    assertEquals(1, c.ended.size());
    assertTrue(
        c.ended
            .get(0)
            .startsWith(
                Wire.LIMIT + " the gateway of cluster A holds 1000 bytes for this connection"),
        c.ended.get(0));
    fill(p);
    assertEquals("the peer x is at its channel limit of 2 channels", guard.busy(p, "the peer x"));
  }

  @Test
  void framesOfItsOwnMayTakeTheBacklogAQuarterPastTheBoundAndNoFurther() {
    FakeConnection c = new FakeConnection();
    LocalPeer p = new LocalPeer(c);
    c.queued = BACKLOG + BACKLOG / 4 - 10;
    assertTrue(guard.send(p, new byte[10]));
    assertFalse(guard.send(p, new byte[11]));
    assertEquals(1, c.sent.size());
    assertEquals(1, c.ended.size(), "cut");
  }

  @Test
  void dataIsBoundedPerChannelAndPerConnection() {
    FakeConnection c = new FakeConnection();
    LocalPeer p = new LocalPeer(c);
    Leg to = new Leg(p, 1);
    assertNull(guard.channelFull(to, 100));
    to.pending = 50;
    assertEquals(
        "the gateway of cluster A holds 50 bytes for this channel (limit 100): its receiver does"
            + " not keep up",
        guard.channelFull(to, 51));
    c.queued = BACKLOG - 10;
    assertFalse(guard.overBacklog(p, 10));
    assertTrue(guard.overBacklog(p, 11));
    assertFalse(guard.cutIfStalled(p));
    c.stalled = true;
    assertTrue(guard.cutIfStalled(p));
    assertEquals(1, c.ended.size());
  }

  @Test
  void connectionsPastTheLimitAreClosedAtOnceAndCounted() throws Exception {
    try (SocketChannel sc = SocketChannel.open()) {
      assertFalse(guard.full(2, sc, "127.0.0.1:1", "a forwarded connection", null));
      assertTrue(sc.isOpen());
      assertTrue(guard.full(3, sc, "127.0.0.1:1", "a forwarded connection", null));
      assertFalse(sc.isOpen());
      assertEquals(1, guard.refusals());
    }
  }

  @Test
  void eachSourceHoldsItsShareOfConnections_givenBackAsThoseEnd() throws Exception {
    AdmissionGuard g =
        new AdmissionGuard(
            "A", TcpOptions.builder().maxConnections(10).maxConnectionsPerAddress(2).build(), 100);
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      List<SocketChannel> accepted = new ArrayList<>();
      List<Object> connections = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        SocketChannel client = SocketChannel.open();
        client.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
        client.connect(server.getLocalAddress());
        SocketChannel sc = server.accept();
        accepted.add(client);
        accepted.add(sc);
        if (i < 2) {
          assertFalse(g.full(i, sc, "127.0.0.2", "a local peer", null), "within the share");
          Object c = new Object();
          g.accepted(c, sc);
          connections.add(c);
        } else {
          assertTrue(g.full(i, sc, "127.0.0.2", "a local peer", null), "past the share");
          assertFalse(sc.isOpen());
        }
      }
      assertEquals(2, g.sourcesHeld());
      g.connectionEnded(connections.get(0));
      g.connectionEnded(new Object()); // never counted: ignored
      assertEquals(1, g.sourcesHeld());
      g.connectionEnded(connections.get(1));
      assertEquals(0, g.sourcesHeld(), "nothing left behind");
      for (SocketChannel sc : accepted) {
        sc.close();
      }
    }
  }
}
