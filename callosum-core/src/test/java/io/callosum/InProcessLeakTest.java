package io.callosum;

import io.callosum.inproc.InProcessEntries;
import io.callosum.inproc.InProcessTransport;
import io.callosum.lower.Transport;
import io.callosum.testing.LeakSuite;
import java.util.concurrent.atomic.AtomicInteger;

/** The leak cycles over the in-process lower. */
class InProcessLeakTest extends LeakSuite {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private final Transport transport = new InProcessTransport();

  @Override
  protected Transport transport() {
    return transport;
  }

  @Override
  protected String bindAddress() {
    return "inproc://leak-" + NAMES.incrementAndGet();
  }

  @Override
  protected int lowerEntries() {
    return InProcessEntries.count();
  }
}
