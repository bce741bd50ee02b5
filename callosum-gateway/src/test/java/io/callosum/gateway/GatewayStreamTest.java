package io.callosum.gateway;

import io.callosum.lower.Transport;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.testing.StreamSuite;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Streams, chunked messages and named pipes through two gateways (the link is CurveZMQ-encrypted).
 */
class GatewayStreamTest extends StreamSuite {
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

  /**
   * The link is encrypted (bouncycastle's XSalsa20, about 50 MB/s here): a smaller big call keeps
   * the test short.
   */
  @Override
  protected int bigMessageBytes() {
    return 20 << 20;
  }

  @Override
  protected int largeStreamItems() {
    return 256;
  }
}
