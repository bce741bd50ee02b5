package io.callosum.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.auth.CurveCertificate;
import io.callosum.auth.CurveKeyPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway's YAML file: every key onto its setting, and a clear refusal of what is wrong. */
class GatewayConfigFileTest {
  private static final String FULL =
      """
      cluster: hq
      listen: tcp://127.0.0.1:7101
      linkListen: tcp://0.0.0.0:7201
      admin: tcp://127.0.0.1:7301
      secretKey: "H@B$uOaj#M*BvB$]7qyVi$RMxt0WET4-)%vRPoo{"
      links:
        - cluster: edge
          address: tcp://gw.example:7201
          serverKey: "}M/XFhicDT>[[r)j6K+>-g6Oqv7R=sajPsaKJogw"
      allowGateways:
        - cluster: lab
          key: "JFf[V):CY[7zMeq8Gd*#yEn8Cu^]X9eEU91J1!99"
      grants:
        edge:
          names: [manager, "report-*"]
          forwards: ["127.0.0.1:5432"]
        lab: {}
      forwards:
        - listen: tcp://127.0.0.1:15432
          cluster: edge
          target: db.internal:5432
      maxChannelBuffer: 1048576
      heartbeat: {interval: 500ms, timeout: 3s}
      reconnect: {min: 50ms, max: 1m}
      handshakeTimeout: 2s
      maxChannelsPerConnection: 100
      statusLog: 30s
      maxConnections: 50
      maxConnectionsPerAddress: 10
      maxSendBacklog: 2097152
      localPeers:
        - key: "JFf[V):CY[7zMeq8Gd*#yEn8Cu^]X9eEU91J1!99"
          names: [manager]
      """;

  @Test
  void everyKeyMapsOntoItsSetting() throws Exception {
    GatewayConfig c = GatewayConfigFile.parse(FULL, null);
    assertEquals("hq", c.cluster());
    assertEquals("tcp://127.0.0.1:7101", c.listen().toString());
    assertEquals("tcp://0.0.0.0:7201", c.linkListen().toString());
    assertEquals("tcp://127.0.0.1:7301", c.admin().toString());
    assertEquals("JFf[V):CY[7zMeq8Gd*#yEn8Cu^]X9eEU91J1!99", c.keyPair().publicKey().z85());
    assertEquals(1, c.links().size());
    assertEquals("edge", c.links().get(0).cluster());
    assertEquals("tcp://gw.example:7201", c.links().get(0).address().toString());
    assertEquals("lab", c.allowedGateways().values().iterator().next());
    assertTrue(c.grants().get("edge").allows("manager"));
    assertTrue(c.grants().get("edge").allows("report-7"));
    assertFalse(c.grants().get("edge").allows("secret"));
    assertTrue(c.grants().get("edge").forwardTargets().contains("127.0.0.1:5432"));
    assertFalse(c.grants().get("lab").allows("manager"), "an empty grant reaches nothing");
    assertEquals("db.internal:5432", c.forwards().get(0).target());
    assertEquals(1 << 20, c.maxChannelBuffer());
    assertEquals(Duration.ofMillis(500), c.tcp().heartbeatInterval());
    assertEquals(Duration.ofSeconds(3), c.tcp().heartbeatTimeout());
    assertEquals(Duration.ofMinutes(1), c.tcp().reconnectMax());
    assertEquals(Duration.ofSeconds(2), c.tcp().handshakeTimeout());
    assertEquals(100, c.tcp().maxChannelsPerConnection());
    assertEquals(Duration.ofSeconds(30), c.statusLog());
    assertEquals(50, c.tcp().maxConnections());
    assertEquals(10, c.tcp().maxConnectionsPerAddress());
    assertEquals(2 << 20, c.tcp().maxSendBacklog());
    assertTrue(c.localPeers().values().iterator().next().allows("manager"));
  }

  @Test
  void aKeyFileIsReadBesideTheConfiguration(@TempDir Path dir) throws Exception {
    CurveKeyPair keys = CurveKeyPair.generate();
    CurveCertificate.create(dir, "gw", keys, false);
    Path file = dir.resolve("gw.yaml");
    Files.writeString(file, "cluster: a\nlinkListen: tcp://127.0.0.1:0\nkeyFile: gw.key_secret\n");
    assertEquals(keys.publicKey(), GatewayConfigFile.read(file).keyPair().publicKey());
  }

  @Test
  void mistakesAreRefusedNamingTheKey() {
    assertRefused("listen: tcp://127.0.0.1:1\n", "missing key cluster");
    assertRefused("cluster: a\nlisten: tcp://127.0.0.1:1\nlsiten: x\n", "unknown key lsiten");
    assertRefused(
        "cluster: a\nheartbeat: {interval: soon, timeout: 5s}\n",
        "heartbeat.interval must be a duration");
    assertRefused(
        "cluster: a\nlinks:\n  - cluster: b\n    address: tcp://h:1\n", "missing key serverKey");
    assertRefused("cluster: a b\n", "cluster must be 1..64 of");
    assertRefused(
        "cluster: a\nlinkListen: tcp://127.0.0.1:1\n",
        "links and localPeers need the gateway's CURVE key pair");
    assertRefused("cluster: a\ngrants: {b: {names: [\"no spaces\"]}}\n", "granted name must be");
    assertRefused(
        "cluster: a\nforwards:\n  - {listen: tcp://127.0.0.1:1, cluster: b, target: nohostport}\n",
        "host:port");
    assertRefused("cluster: [a\n", "not valid YAML");
    assertRefused("cluster: a\nmaxSendBacklog: lots\n", "maxSendBacklog must be a number of bytes");
    assertRefused(
        "cluster: a\nlisten: tcp://127.0.0.1:1\ngrants: {a: {names: [x]}}\n",
        "grants name its own cluster a");
    assertRefused(
        "cluster: a\n"
            + "linkListen: tcp://127.0.0.1:1\n"
            + "secretKey: \"H@B$uOaj#M*BvB$]7qyVi$RMxt0WET4-)%vRPoo{\"\n"
            + "allowGateways:\n"
            + "  - {cluster: a, key: \"JFf[V):CY[7zMeq8Gd*#yEn8Cu^]X9eEU91J1!99\"}\n",
        "allowGateways names its own cluster a");
  }

  private static void assertRefused(String yaml, String part) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> GatewayConfigFile.parse(yaml, null));
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }
}
