package io.callosum.gateway;

import io.callosum.lower.Transport;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.testing.LeakSuite;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The leak cycles through two gateways: each server cycle registers a name at gateway B and
 * unregisters it, each client cycle opens a channel through A, the link and B. Both gateways' local
 * connections, registered names and channels, and the peers' transports, must go back to what the
 * peers living through the cycles hold; the link stays up. (Broadcast and pipelines do not travel
 * through gateways.)
 */
class GatewayLeakTest extends LeakSuite {
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
    return "tunnel://B/s-leak-" + NAMES.incrementAndGet();
  }

  @Override
  protected int lowerEntries() {
    int n = clusters.viaA.openEndpoints() + clusters.viaA.openConnections();
    n += clusters.viaB.openEndpoints() + clusters.viaB.openConnections();
    for (Gateway g : new Gateway[] {clusters.a, clusters.b}) {
      GatewayStatus s = g.status();
      n += s.localConnections() + s.registered().size() + s.channels() + s.forwards();
    }
    return n;
  }

  @Override
  protected boolean fanout() {
    return false;
  }
}
