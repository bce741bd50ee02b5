package io.callosum.gateway;

import io.callosum.lower.Transport;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.testing.ConformanceSuite;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance suite through two gateways: client -> gateway A -> CurveZMQ link -> gateway B ->
 * reverse-connected server.
 */
class GatewayConformanceTest extends ConformanceSuite {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static Clusters clusters;
  private static Transport routed;

  @BeforeAll
  static void startGateways() throws IOException {
    clusters = Clusters.start(TcpOptions.defaults());
    routed = clusters.routed();
  }

  @AfterAll
  static void stopGateways() {
    clusters.close();
  }

  @Override
  protected Transport transport() {
    return routed;
  }

  @Override
  protected String bindAddress() {
    return "tunnel://B/s" + NAMES.incrementAndGet();
  }

  @Override
  protected int openCloseCycles() {
    return 200;
  }
}
