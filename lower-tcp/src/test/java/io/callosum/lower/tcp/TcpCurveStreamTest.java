package io.callosum.lower.tcp;

import io.callosum.lower.Transport;
import io.callosum.testing.StreamSuite;

/** Streams, chunked messages and named pipes over TCP encrypted with CurveZMQ. */
class TcpCurveStreamTest extends StreamSuite {
  private static final TcpTransport TRANSPORT = CurveTransports.serverAndClient("streams");

  @Override
  protected Transport transport() {
    return TRANSPORT;
  }

  @Override
  protected String bindAddress() {
    return "tcp://127.0.0.1:0";
  }

  /**
   * Encryption runs at about 50 MB/s here (bouncycastle's XSalsa20): a smaller big call keeps the
   * test short.
   */
  @Override
  protected int bigMessageBytes() {
    return 20 << 20;
  }

  @Override
  protected int largeStreamItems() {
    return 256; // 16 MiB
  }
}
