package io.callosum;

import io.callosum.inproc.InProcessTransport;
import io.callosum.lower.Transport;
import io.callosum.testing.ConformanceSuite;
import java.util.concurrent.atomic.AtomicInteger;

/** The conformance suite over the in-process lower. */
class InProcessConformanceTest extends ConformanceSuite {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private final Transport transport = new InProcessTransport();

  @Override
  protected Transport transport() {
    return transport;
  }

  @Override
  protected String bindAddress() {
    return "inproc://conformance-" + NAMES.incrementAndGet();
  }
}
