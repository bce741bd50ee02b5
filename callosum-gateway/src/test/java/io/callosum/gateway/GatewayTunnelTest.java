package io.callosum.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Peer;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.Resources;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tunnel addressing both ways over one link, within a cluster, and the release of everything a
 * gateway holds for peers, channels and links once they close.
 */
class GatewayTunnelTest {
  @RegisterExtension final Closer closer = new Closer();

  /** The live I/O and handshake threads of the TCP lower. */
  private static Set<Thread> ioThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("callosum-tcp-") && t.isAlive())
        .collect(Collectors.toSet());
  }

  /**
   * Threads alive now that were not in {@code before} (threads of earlier tests may end meanwhile:
   * they do not count).
   */
  private static Set<Thread> startedSince(Set<Thread> before) {
    Set<Thread> now = ioThreads();
    now.removeAll(before);
    return now;
  }

  @Test
  void theLinkCarriesChannelsBothWaysAndPeersCallBack() throws Exception {
    Clusters c =
        closer.later(
            Clusters.start(
                TcpOptions.defaults(), a -> a.grant("B", "manager"), b -> b.grant("A", "agent*")));
    Peer manager =
        closer.later(Peer.builder().transport(c.viaA).bind("tunnel://A/manager").build());
    manager.handle("report", (ctx, body) -> "noted " + body.value());
    manager.start();
    Peer agent = closer.later(Peer.builder().transport(c.viaB).bind("tunnel://B/agent1").build());
    agent.handle("work", (ctx, body) -> ctx.caller().invoke("progress", 50).get() + " then done");
    agent.handle("who", (ctx, body) -> ctx.identity().orElse("?"));
    agent.start();
    assertEquals("tunnel://B/agent1", agent.address());

    ConnectedPeer atA =
        closer.later(Peer.builder().transport(c.viaA).connect("tunnel://B/agent1").build());
    atA.handle("progress", (ctx, body) -> "at " + body.value() + "%");
    atA.start();
    assertEquals(
        "at 50% then done",
        Await.result(atA.invoke("work", null)), "the agent called back over the same channel");

    ConnectedPeer fromB =
        closer
            .later(Peer.builder().transport(c.viaB).connect("tunnel://A/manager").build())
            .start();
    assertEquals(
        "noted 7",
        Await.result(fromB.invoke("report", 7)),
        "B's side opens channels on the link B dialled");

    ConnectedPeer local =
        closer.later(Peer.builder().transport(c.viaB).connect("tunnel://B/agent1").build());
    local.handle("progress", (ctx, body) -> "here");
    local.start();
    assertEquals(
        "here then done",
        Await.result(local.invoke("work", null)),
        "a peer reaches a name of its own cluster");
    assertEquals(
        "A", Await.result(atA.invoke("who", null)), "the callee learns the caller's cluster");
    assertEquals("B", Await.result(local.invoke("who", null)));

    GatewayStatus s = c.a.status();
    GatewayStatus.LinkStatus link = s.link("B");
    assertEquals("in", link.direction());
    assertTrue(link.up());
    assertEquals(2, link.channels());
    assertTrue(link.bytesIn() > 0 && link.bytesOut() > 0);
    assertEquals(List.of("manager"), s.registered());
    assertEquals("out", c.b.status().link("A").direction());
    Map<String, Object> m = s.toMap();
    assertEquals("A", m.get("cluster"));
  }

  @Test
  void linksAndTheirStatusAreLogged() throws Exception {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      Clusters c =
          Clusters.start(TcpOptions.defaults(), a -> a.statusLog(Duration.ofMillis(50)), b -> b);
      Await.until(
          "the periodic status line",
          () ->
              captured
                  .toString(StandardCharsets.UTF_8)
                  .contains("link to cluster B (in): 0 channels,"));
      c.close();
      String log = captured.toString(StandardCharsets.UTF_8);
      assertTrue(log.contains("link to cluster A up (dialled"), log);
      assertTrue(log.contains("link to cluster B up (accepted"), log);
      assertTrue(log.contains("link to cluster A down (0 channels were open"), log);
    } finally {
      System.setErr(err);
    }
  }

  @Test
  void manyPeersShareTheLinkAtOnce() throws Exception {
    Clusters c = closer.later(Clusters.start(TcpOptions.defaults()));
    Peer server = closer.later(Peer.builder().transport(c.viaB).bind("tunnel://B/s-many").build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    List<ConnectedPeer> clients = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      clients.add(
          closer
              .later(Peer.builder().transport(c.viaA).connect("tunnel://B/s-many").build())
              .start());
    }
    List<CompletableFuture<Object>> calls = new ArrayList<>();
    for (int round = 0; round < 10; round++) {
      for (int i = 0; i < clients.size(); i++) {
        calls.add(clients.get(i).invoke("echo", round * 1000 + i));
      }
    }
    for (int k = 0; k < calls.size(); k++) {
      assertEquals((k / 100) * 1000 + k % 100, ((Number) Await.result(calls.get(k))).intValue());
    }
    assertEquals(100, c.a.status().link("B").channels());
    assertEquals(1, c.viaA.openConnections(), "every channel rides one connection to gateway A");
    assertEquals(100, server.remotes().size());
    clients.forEach(Peer::close);
    Await.until(
        "the link's channels are closed",
        () -> c.a.status().link("B").channels() == 0 && server.remotes().isEmpty());
  }

  @Test
  void aTunnelAddressNeedsAGatewayAndTheRightForm() {
    TcpTransport plain = new TcpTransport();
    assertThrows(
        IllegalArgumentException.class,
        () -> Peer.builder().transport(plain).connect("tunnel://B/x").build().start());
    TcpTransport via =
        new TcpTransport(TcpOptions.builder().gateway(URI.create("tcp://127.0.0.1:1")).build());
    for (String bad :
        List.of(
            "tunnel://B",
            "tunnel://B/",
            "tunnel://B/a/b",
            "tunnel://B/a b",
            "tunnel://B/" + "x".repeat(65))) {
      assertThrows(
          IllegalArgumentException.class,
          () -> Peer.builder().transport(via).connect(bad).build().start(),
          bad);
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> TcpOptions.builder().gateway(URI.create("tunnel://A/b")));
  }

  @Test
  void aNameRegisteredAtTheWrongClusterIsRefused() throws Exception {
    Clusters c = closer.later(Clusters.start(TcpOptions.defaults()));
    ConnectionLostException e =
        assertThrows(
            ConnectionLostException.class,
            () -> Peer.builder().transport(c.viaB).bind("tunnel://A/s1").build().start());
    assertTrue(e.getMessage().contains("serves cluster B, not A"), e.getMessage());
  }

  @Test
  void closingPeersAndGatewaysReleasesEverything() throws Exception {
    Set<Thread> before = ioThreads();
    int fdsBefore = Resources.openFds();
    Clusters c = Clusters.start(TcpOptions.defaults());
    try {
      for (int i = 0; i < 30; i++) {
        try (Peer server = Peer.builder().transport(c.viaB).bind("tunnel://B/s" + i).build()) {
          server.handle("echo", (ctx, body) -> body.value());
          server.start();
          try (ConnectedPeer client =
              Peer.builder().transport(c.viaA).connect("tunnel://B/s" + i).build().start()) {
            assertEquals(i, ((Number) Await.result(client.invoke("echo", i))).intValue());
          }
        }
      }
      Await.until(
          "the gateways hold nothing for closed peers",
          () -> {
            GatewayStatus a = c.a.status();
            GatewayStatus b = c.b.status();
            return a.channels() == 0
                && b.channels() == 0
                && b.registered().isEmpty()
                && a.localConnections() == 0
                && b.localConnections() == 0
                && a.link("B").channels() == 0;
          },
          () -> c.a.status() + " / " + c.b.status());
      assertEquals(0, c.viaA.openEndpoints());
      assertEquals(0, c.viaB.openConnections());
    } finally {
      c.close();
    }
    Await.until(
        "every gateway and transport thread has ended",
        () -> startedSince(before).isEmpty(),
        () -> "still running: " + startedSince(before));
    Await.until(
        "every socket is closed",
        () -> Resources.openFds() <= fdsBefore,
        () -> Resources.openFds() + " fds vs " + fdsBefore);
  }
}
