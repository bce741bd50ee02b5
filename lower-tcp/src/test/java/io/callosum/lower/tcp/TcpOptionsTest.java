package io.callosum.lower.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Options: documented defaults, checked arguments, derived variants, and CURVE's wiring point. */
class TcpOptionsTest {
  @Test
  void defaultsAreTheDocumentedOnes() {
    TcpOptions o = TcpOptions.defaults();
    assertEquals(Duration.ofSeconds(1), o.heartbeatInterval());
    assertEquals(Duration.ofSeconds(5), o.heartbeatTimeout());
    assertEquals(Duration.ofMillis(100), o.reconnectMin());
    assertEquals(Duration.ofSeconds(10), o.reconnectMax());
    assertEquals(Duration.ofSeconds(5), o.handshakeTimeout());
    assertEquals(17 << 20, o.maxFrameSize());
    assertEquals(1024, o.maxChannelsPerConnection());
    assertEquals(4096, o.maxConnections());
    assertEquals(256, o.maxConnectionsPerAddress());
    assertEquals(64L << 20, o.maxSendBacklog());
    assertEquals(256L << 20, o.memoryBudget());
    assertEquals(Math.min(Runtime.getRuntime().availableProcessors(), 4), o.handshakeThreads());
    assertEquals(4, o.authenticatorThreads());
    assertEquals(256, o.maxHandshakes());
    assertEquals(64, o.maxHandshakesPerAddress());
    assertNull(o.curveServer());
    assertNull(o.curveClient());
  }

  @Test
  void badValuesAreRefusedAtOnce() {
    TcpOptions.Builder b = TcpOptions.builder();
    assertThrows(
        IllegalArgumentException.class,
        () -> b.heartbeat(Duration.ofSeconds(5), Duration.ofSeconds(5)));
    assertThrows(
        IllegalArgumentException.class, () -> b.heartbeat(Duration.ZERO, Duration.ofSeconds(5)));
    assertThrows(
        IllegalArgumentException.class,
        () -> b.reconnect(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> b.handshakeTimeout(Duration.ofMillis(-1)));
    assertThrows(IllegalArgumentException.class, () -> b.maxFrameSize(100));
    assertThrows(IllegalArgumentException.class, () -> b.maxChannelsPerConnection(0));
    assertThrows(IllegalArgumentException.class, () -> b.maxConnections(0));
    assertThrows(IllegalArgumentException.class, () -> b.maxConnectionsPerAddress(0));
    assertThrows(IllegalArgumentException.class, () -> b.maxSendBacklog(0));
    assertThrows(IllegalArgumentException.class, () -> b.memoryBudget((64 << 10) - 1));
    assertThrows(IllegalArgumentException.class, () -> b.handshakeThreads(0));
    assertThrows(IllegalArgumentException.class, () -> b.authenticatorThreads(0));
    assertThrows(IllegalArgumentException.class, () -> b.maxHandshakes(0, 1));
    assertThrows(IllegalArgumentException.class, () -> b.maxHandshakes(1, 0));
  }

  @Test
  void theShareOfOneAddressIsCappedAtTheTotal() {
    TcpOptions o = TcpOptions.builder().maxHandshakes(8, 100).build();
    assertEquals(8, o.maxHandshakes());
    assertEquals(8, o.maxHandshakesPerAddress());
    assertEquals(8, o.toBuilder().build().maxHandshakesPerAddress());
  }

  @Test
  void theConnectionsOfOneAddressAreASixteenthOfTheTotalUnlessSet_andCappedAtIt() {
    assertEquals(64, TcpOptions.builder().maxConnections(1024).build().maxConnectionsPerAddress());
    assertEquals(1, TcpOptions.builder().maxConnections(6).build().maxConnectionsPerAddress());
    TcpOptions set = TcpOptions.builder().maxConnections(10).maxConnectionsPerAddress(4).build();
    assertEquals(4, set.maxConnectionsPerAddress());
    assertEquals(4, set.toBuilder().maxConnections(100).build().maxConnectionsPerAddress());
    assertEquals(
        10,
        TcpOptions.builder()
            .maxConnections(10)
            .maxConnectionsPerAddress(50)
            .build()
            .maxConnectionsPerAddress());
    TcpOptions derived = TcpOptions.builder().maxConnections(160).build();
    assertEquals(
        100,
        derived.toBuilder().maxConnections(1600).build().maxConnectionsPerAddress(),
        "a share not set follows the total");
  }

  @Test
  void variantsLeaveTheOriginalAlone() {
    TcpOptions base = TcpOptions.defaults();
    TcpOptions v = base.toBuilder().maxChannelsPerConnection(8).build();
    assertEquals(8, v.maxChannelsPerConnection());
    assertEquals(1024, base.maxChannelsPerConnection());
    assertEquals(base.heartbeatTimeout(), v.heartbeatTimeout());
  }

  @Test
  void curveOptionsAreHeldAndMakeACurveTransport() {
    CurveKeyPair server = CurveKeyPair.generate();
    AllowListAuthenticator allow = new AllowListAuthenticator("d", server);
    ClientAuthenticator client =
        ClientAuthenticator.of(server.publicKey(), CurveKeyPair.generate());
    TcpOptions o = TcpOptions.builder().curveServer(allow).curveClient(client).build();
    assertSame(allow, o.curveServer());
    assertSame(client, o.curveClient());
    assertTrue(
        o.toString().contains("CURVE server") && o.toString().contains("CURVE client"),
        o.toString());
    assertSame(o, new TcpTransport(o).options());
  }
}
