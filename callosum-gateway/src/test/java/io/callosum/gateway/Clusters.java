package io.callosum.gateway;

import io.callosum.auth.CurveKeyPair;
import io.callosum.lower.Endpoint;
import io.callosum.lower.LinkListener;
import io.callosum.lower.Transport;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.testing.Await;
import java.io.IOException;
import java.net.URI;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Two clusters for tests: gateway A (public: takes links) and gateway B (private: dials A, as from
 * behind NAT), each with a transport for its local peers. Peers bound through {@link #viaB}
 * register at B; peers connecting through {@link #viaA} reach them as {@code tunnel://B/NAME}.
 */
final class Clusters implements AutoCloseable {
  static final URI LOOPBACK = URI.create("tcp://127.0.0.1:0");

  final CurveKeyPair keyA = CurveKeyPair.generate();
  final CurveKeyPair keyB = CurveKeyPair.generate();
  final Gateway a;
  final Gateway b;
  final TcpTransport viaA;
  final TcpTransport viaB;

  private Clusters(
      TcpOptions tcp,
      UnaryOperator<GatewayConfig.Builder> moreA,
      UnaryOperator<GatewayConfig.Builder> moreB,
      UnaryOperator<String> linkVia)
      throws IOException {
    a =
        Gateway.start(
            moreA
                .apply(
                    GatewayConfig.builder("A")
                        .listen(LOOPBACK)
                        .linkListen(LOOPBACK)
                        .keyPair(keyA)
                        .allowGateway("B", keyB.publicKey())
                        .tcp(tcp))
                .build());
    try {
      b =
          Gateway.start(
              moreB
                  .apply(
                      GatewayConfig.builder("B")
                          .listen(LOOPBACK)
                          .keyPair(keyB)
                          .link("A", URI.create(linkVia.apply(a.linkAddress())), keyA.publicKey())
                          .tcp(tcp))
                  .build());
    } catch (IOException | RuntimeException e) {
      a.close();
      throw e;
    }
    viaA = new TcpTransport(tcp.toBuilder().gateway(URI.create(a.localAddress())).build());
    viaB = new TcpTransport(tcp.toBuilder().gateway(URI.create(b.localAddress())).build());
    Await.until("the link between A and B is up", () -> a.linkUp("B") && b.linkUp("A"));
  }

  /** B grants A every name starting with {@code s} (the suites' servers) and {@code agent}. */
  static Clusters start(TcpOptions tcp) throws IOException {
    return new Clusters(tcp, x -> x, x -> x.grant("A", "s*", "agent*"), x -> x);
  }

  static Clusters start(
      TcpOptions tcp,
      UnaryOperator<GatewayConfig.Builder> moreA,
      UnaryOperator<GatewayConfig.Builder> moreB)
      throws IOException {
    return new Clusters(tcp, moreA, moreB, x -> x);
  }

  /**
   * As {@link #start(TcpOptions, UnaryOperator, UnaryOperator)}, with B dialling A at {@code
   * linkVia.apply(A's link address)}.
   */
  static Clusters start(
      TcpOptions tcp,
      UnaryOperator<GatewayConfig.Builder> moreA,
      UnaryOperator<GatewayConfig.Builder> moreB,
      UnaryOperator<String> linkVia)
      throws IOException {
    return new Clusters(tcp, moreA, moreB, linkVia);
  }

  /**
   * Binds through B and connects through A: client -> A -> link -> B -> reverse-connected server.
   */
  Transport routed() {
    return new Transport() {
      @Override
      public Set<String> schemes() {
        return Set.of("tunnel");
      }

      @Override
      public Endpoint bind(URI address, TransportConfig config, LinkListener listener)
          throws IOException {
        return viaB.bind(address, config, listener);
      }

      @Override
      public Endpoint connect(URI address, TransportConfig config, LinkListener listener)
          throws IOException {
        return viaA.connect(address, config, listener);
      }
    };
  }

  @Override
  public void close() {
    b.close();
    a.close();
  }
}
