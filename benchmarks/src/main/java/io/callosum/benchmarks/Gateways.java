package io.callosum.benchmarks;

import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import io.callosum.gateway.Gateway;
import io.callosum.gateway.GatewayConfig;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import java.net.URI;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * P8: a call through a gateway hop pair — client → gateway A → CurveZMQ link → gateway B → server
 * registered as {@code tunnel://B/echo} — against a direct TCP connection, in the same run. The
 * client runs in the harness; each gateway and each server in its own worker JVM (unless same-JVM),
 * as they would run on their own hosts.
 */
final class Gateways {
  private static final URI LOOPBACK = URI.create("tcp://127.0.0.1:0");
  private static final long LINK_SECONDS = 30;

  private Gateways() {}

  /** The echo through gateways A and B (direct executors on client and server). */
  static CallosumEcho tunnel(String name, Host host) throws Exception {
    CurveKeyPair keyA = CurveKeyPair.generate();
    CurveKeyPair keyB = CurveKeyPair.generate();
    Server a =
        host.open(
            name + "-gateway-a", Role.GATEWAY, "A", hex(keyA.secretKey()), "allow", "B", hex(keyB));
    Server b = null;
    Server server = null;
    try {
      b =
          host.open(
              name + "-gateway-b",
              Role.GATEWAY,
              "B",
              hex(keyB.secretKey()),
              "link",
              "A",
              a.ready().get(1),
              hex(keyA),
              "grant",
              "A",
              "echo");
      server =
          host.open(
              name + "-server",
              Role.CALLOSUM_ECHO,
              "tunnel://B/echo",
              "direct",
              "gateway:" + b.address());
      TcpTransport viaA =
          new TcpTransport(TcpOptions.builder().gateway(URI.create(a.address())).build());
      return new CallosumEcho(name, List.of(a, b, server), "tunnel://B/echo", viaA, true);
    } catch (Exception | Error e) {
      for (Server s : new Server[] {server, b, a}) {
        if (s != null) {
          s.close();
        }
      }
      throw e;
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  private static String hex(CurveKeyPair keys) {
    return hex(keys.publicKey().bytes());
  }

  private static CurvePublicKey publicKey(String hex) {
    return CurvePublicKey.of(HexFormat.of().parseHex(hex));
  }

  /**
   * A gateway: {@code CLUSTER SECRET_KEY_HEX} then directives {@code allow CLUSTER KEY_HEX}, {@code
   * link CLUSTER ADDRESS KEY_HEX} (waits until that link is up), {@code grant CLUSTER NAME}; local
   * peers and links on loopback ephemeral ports; ready with its local (peers') address and its link
   * address ({@code -} when it only dials).
   */
  static final class Serving implements Served {
    private final Gateway gateway;

    Serving(List<String> args) throws Exception {
      GatewayConfig.Builder config =
          GatewayConfig.builder(args.get(0))
              .listen(LOOPBACK)
              .keyPair(CurveKeyPair.fromSecretKey(HexFormat.of().parseHex(args.get(1))))
              .statusLog(null);
      String linked = null;
      for (int i = 2; i < args.size(); ) {
        switch (args.get(i)) {
          case "allow" -> {
            config.linkListen(LOOPBACK).allowGateway(args.get(i + 1), publicKey(args.get(i + 2)));
            i += 3;
          }
          case "link" -> {
            linked = args.get(i + 1);
            config.link(linked, URI.create(args.get(i + 2)), publicKey(args.get(i + 3)));
            i += 4;
          }
          case "grant" -> {
            config.grant(args.get(i + 1), args.get(i + 2));
            i += 3;
          }
          default -> throw new IllegalArgumentException("unknown gateway directive " + args.get(i));
        }
      }
      gateway = Gateway.start(config.build());
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LINK_SECONDS);
        while (linked != null && !gateway.linkUp(linked)) {
          if (System.nanoTime() - deadline > 0) {
            throw new IllegalStateException(
                "the link to cluster " + linked + " did not come up within " + LINK_SECONDS + " s");
          }
          Thread.sleep(5);
        }
      } catch (Exception | Error e) {
        gateway.close();
        throw e;
      }
    }

    @Override
    public List<String> ready() {
      String link = gateway.linkAddress();
      return List.of(gateway.localAddress(), link == null ? "-" : link);
    }

    @Override
    public void close() {
      gateway.close();
    }
  }
}
