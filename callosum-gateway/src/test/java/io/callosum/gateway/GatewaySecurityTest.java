package io.callosum.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.AuthenticationException;
import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Peer;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every refusal of a gateway: an ungranted name, an unknown cluster, an unknown gateway key, a
 * forward target not granted.
 */
class GatewaySecurityTest {
  @RegisterExtension final Closer closer = new Closer();
  private Clusters clusters;

  @BeforeEach
  void start() throws Exception {
    clusters =
        Clusters.start(
            TcpOptions.defaults(),
            a -> a.forward(Clusters.LOOPBACK, "B", "127.0.0.1:9"),
            b -> b.grant("A", "granted"));
  }

  @AfterEach
  void stop() {
    clusters.close();
  }

  private Peer serverAtB(String name) {
    Peer p =
        closer.later(Peer.builder().transport(clusters.viaB).bind("tunnel://B/" + name).build());
    p.handle("echo", (ctx, body) -> body.value());
    return p.start();
  }

  private ConnectedPeer clientViaA(String address) {
    return closer.later(
        Peer.builder()
            .transport(clusters.viaA)
            .connect(address)
            .connectTimeout(Duration.ofSeconds(5))
            .build());
  }

  @Test
  void aGrantedNameIsReachedAndAnUngrantedOneIsRefusedWithAReason() throws Exception {
    serverAtB("granted");
    Peer secret = serverAtB("secret");
    ConnectedPeer ok = clientViaA("tunnel://B/granted").start();
    assertEquals("hi", Await.result(ok.invoke("echo", "hi")));

    ConnectionLostException e =
        assertThrows(ConnectionLostException.class, clientViaA("tunnel://B/secret")::start);
    assertTrue(
        e.getMessage().contains("cluster A may not reach secret in cluster B (not granted)"),
        e.getMessage());
    assertTrue(secret.remotes().isEmpty(), "the ungranted peer saw no connection");
    GatewayStatus s = clusters.b.status();
    assertEquals(1, s.refusals());
    assertEquals(1, s.link("A").refusals());
    assertEquals(
        "hi", Await.result(ok.invoke("echo", "hi")), "the link carries on after a refusal");
  }

  @Test
  void nothingIsGrantedByDefault() throws Exception {
    Peer atA =
        closer
            .later(Peer.builder().transport(clusters.viaA).bind("tunnel://A/manager").build())
            .start();
    ConnectionLostException e =
        assertThrows(
            ConnectionLostException.class,
            closer.later(
                    Peer.builder().transport(clusters.viaB).connect("tunnel://A/manager").build())
                ::start);
    assertTrue(
        e.getMessage().contains("cluster B may not reach manager in cluster A (not granted)"),
        e.getMessage());
    assertTrue(atA.remotes().isEmpty());
  }

  @Test
  void anUnknownClusterOrNameIsRefused() {
    ConnectionLostException e =
        assertThrows(ConnectionLostException.class, clientViaA("tunnel://C/anyone")::start);
    assertTrue(e.getMessage().contains("unknown cluster C"), e.getMessage());
    e = assertThrows(ConnectionLostException.class, clientViaA("tunnel://B/granted")::start);
    assertTrue(
        e.getMessage().contains("no peer named granted is registered at cluster B"),
        e.getMessage());
    e = assertThrows(ConnectionLostException.class, clientViaA("tunnel://A/nobody")::start);
    assertTrue(
        e.getMessage().contains("no peer named nobody is registered at cluster A"), e.getMessage());
  }

  @Test
  void aGatewayWithAnUnknownKeyIsRefused() throws Exception {
    CurveKeyPair stranger = CurveKeyPair.generate();
    Gateway c =
        closer.later(
            Gateway.start(
                GatewayConfig.builder("B")
                    .keyPair(stranger)
                    .link("A", URI.create(clusters.a.linkAddress()), clusters.keyA.publicKey())
                    .build()));
    Await.until("A refuses the stranger", () -> clusters.a.status().refusals() >= 1);
    Await.until("the stranger counts the refusal", () -> c.status().link("A").refusals() >= 1);
    assertFalse(c.linkUp("A"));
    assertTrue(clusters.a.linkUp("B"), "the real B keeps its link");
  }

  @Test
  void localPeersWithKeysRegisterOnlyTheNamesOfTheirKey() throws Exception {
    CurveKeyPair gateway = CurveKeyPair.generate();
    CurveKeyPair agent = CurveKeyPair.generate();
    CurveKeyPair caller = CurveKeyPair.generate();
    Gateway k =
        closer.later(
            Gateway.start(
                GatewayConfig.builder("K")
                    .listen(Clusters.LOOPBACK)
                    .keyPair(gateway)
                    .localPeer(agent.publicKey(), "agent-*")
                    .localPeer(caller.publicKey())
                    .build()));
    TcpTransport asAgent = as(k, gateway, agent);
    Peer a = closer.later(Peer.builder().transport(asAgent).bind("tunnel://K/agent-1").build());
    a.handle("who", (ctx, body) -> ctx.identity().orElse("?"));
    a.start();
    ConnectionLostException e =
        assertThrows(
            ConnectionLostException.class,
            () ->
                closer
                    .later(Peer.builder().transport(asAgent).bind("tunnel://K/boss").build())
                    .start());
    assertTrue(
        e.getMessage().contains("the key of this peer may not register boss at cluster K"),
        e.getMessage());

    TcpTransport asCaller = as(k, gateway, caller);
    ConnectedPeer c =
        closer
            .later(Peer.builder().transport(asCaller).connect("tunnel://K/agent-1").build())
            .start();
    assertEquals("K", Await.result(c.invoke("who", null)));
    assertThrows(
        ConnectionLostException.class,
        () ->
            closer
                .later(Peer.builder().transport(asCaller).bind("tunnel://K/agent-2").build())
                .start());

    TcpTransport stranger = as(k, gateway, CurveKeyPair.generate());
    assertThrows(
        AuthenticationException.class,
        () ->
            closer
                .later(Peer.builder().transport(stranger).connect("tunnel://K/agent-1").build())
                .start());
    TcpTransport plain =
        new TcpTransport(TcpOptions.builder().gateway(URI.create(k.localAddress())).build());
    assertThrows(
        AuthenticationException.class,
        () ->
            closer
                .later(Peer.builder().transport(plain).connect("tunnel://K/agent-1").build())
                .start());
    assertEquals(List.of("agent-1"), k.status().registered());
  }

  private static TcpTransport as(Gateway g, CurveKeyPair gateway, CurveKeyPair peer) {
    return new TcpTransport(
        TcpOptions.builder()
            .gateway(URI.create(g.localAddress()))
            .curveClient(ClientAuthenticator.of(gateway.publicKey(), peer))
            .build());
  }

  @Test
  void aForwardTargetThatIsNotGrantedIsRefused() throws Exception {
    String forward = clusters.a.forwardAddresses().get(0);
    URI u = URI.create(forward);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(u.getHost(), u.getPort()), (int) Await.LIMIT.toMillis());
      s.setSoTimeout((int) Await.LIMIT.toMillis());
      InputStream in = s.getInputStream();
      assertEquals(-1, in.read(), "the forwarded connection is closed");
    }
    Await.until("B counts the refusal", () -> clusters.b.status().refusals() == 1);
    assertEquals(1, clusters.b.status().link("A").refusals());
  }
}
