package io.callosum;

import io.callosum.inproc.InProcessTransport;
import io.callosum.lower.Transport;
import io.callosum.testing.StreamSuite;
import java.util.concurrent.atomic.AtomicInteger;

/** Streams over the in-process lower. */
class InProcessStreamTest extends StreamSuite {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private final Transport transport = new InProcessTransport();

  @Override
  protected Transport transport() {
    return transport;
  }

  @Override
  protected String bindAddress() {
    return "inproc://streams-" + NAMES.incrementAndGet();
  }
}
