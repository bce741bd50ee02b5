package io.callosum.examples.soak;

import io.callosum.auth.CurveKeyPair;
import io.callosum.gateway.Gateway;
import io.callosum.gateway.GatewayConfig;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The two gateways of a soak: A takes links and serves the clients, B dials A (as from behind NAT)
 * and serves the servers, which register as {@code tunnel://B/NAME}. Three fault proxies stand in
 * the way: {@code gw-a} between the clients and A, {@code gw-b} between the servers and B, {@code
 * gw-link} on B's link to A. Each gateway can be restarted ({@link #a()}, {@link #b()}): it comes
 * back on fresh ports, and the proxies are pointed at them.
 *
 * <p>Restarts and {@link #close} come from the soak's threads; each gateway's lock keeps them
 * apart.
 */
final class GatewayPair implements AutoCloseable {
  private final CurveKeyPair keyA = CurveKeyPair.generate();
  private final CurveKeyPair keyB = CurveKeyPair.generate();
  private final FaultProxy toA;
  private final FaultProxy toB;
  private final FaultProxy link;
  private final Member a;
  private final Member b;
  private final TcpTransport viaA;
  private final TcpTransport viaB;

  GatewayPair(TcpOptions tcp) throws IOException {
    URI loopback = URI.create("tcp://127.0.0.1:0");
    toA = new FaultProxy("gw-a", 1);
    toB = new FaultProxy("gw-b", 1);
    link = new FaultProxy("gw-link", 1);
    a =
        new Member(
            "gateway-A",
            GatewayConfig.builder("A")
                .listen(loopback)
                .linkListen(loopback)
                .keyPair(keyA)
                .allowGateway("B", keyB.publicKey())
                .tcp(tcp)
                .build(),
            g -> {
              toA.retarget(port(g.localAddress()));
              link.retarget(port(g.linkAddress()));
            });
    b =
        new Member(
            "gateway-B",
            GatewayConfig.builder("B")
                .listen(loopback)
                .keyPair(keyB)
                .link("A", URI.create("tcp://127.0.0.1:" + link.port()), keyA.publicKey())
                .grant("A", "soak-*")
                .tcp(tcp)
                .build(),
            g -> toB.retarget(port(g.localAddress())));
    viaA =
        new TcpTransport(
            tcp.toBuilder().gateway(URI.create("tcp://127.0.0.1:" + toA.port())).build());
    viaB =
        new TcpTransport(
            tcp.toBuilder().gateway(URI.create("tcp://127.0.0.1:" + toB.port())).build());
  }

  /** Waits until the link between A and B is up (at most {@code wait}); false if it is not. */
  boolean awaitLink(Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (!(a.linkUp("B") && b.linkUp("A"))) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(10);
    }
    return true;
  }

  /** The transport of the clients: tunnels through A. */
  TcpTransport viaA() {
    return viaA;
  }

  /** The transport of the servers: they register at B. */
  TcpTransport viaB() {
    return viaB;
  }

  Restartable a() {
    return a;
  }

  Restartable b() {
    return b;
  }

  List<FaultProxy> proxies() {
    return List.of(toA, toB, link);
  }

  @Override
  public void close() {
    b.close();
    a.close();
    for (FaultProxy p : proxies()) {
      p.close();
    }
  }

  static int port(String address) {
    return URI.create(address).getPort();
  }

  /** One gateway, restarted with the same configuration. */
  private static final class Member implements Restartable {
    private final String name;
    private final GatewayConfig config;
    private final Consumer<Gateway> started;
    private Gateway gateway; // guarded by this

    Member(String name, GatewayConfig config, Consumer<Gateway> started) throws IOException {
      this.name = name;
      this.config = config;
      this.started = started;
      gateway = Gateway.start(config);
      started.accept(gateway);
    }

    @Override
    public String name() {
      return name;
    }

    synchronized boolean linkUp(String cluster) {
      return gateway != null && gateway.linkUp(cluster);
    }

    @Override
    public synchronized void restart(Duration downtime) throws Exception {
      if (gateway != null) {
        gateway.close();
        gateway = null;
      }
      TimeUnit.NANOSECONDS.sleep(downtime.toNanos());
      gateway = Gateway.start(config);
      started.accept(gateway);
    }

    @Override
    public synchronized void close() {
      if (gateway != null) {
        gateway.close();
        gateway = null;
      }
    }
  }
}
