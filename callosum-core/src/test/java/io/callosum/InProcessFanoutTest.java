package io.callosum;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.fanout.BroadcastReceiver;
import io.callosum.fanout.Broadcaster;
import io.callosum.fanout.PipelineReceiver;
import io.callosum.inproc.InProcessTransport;
import io.callosum.lower.Endpoint;
import io.callosum.lower.LinkListener;
import io.callosum.lower.Transport;
import io.callosum.lower.TransportConfig;
import io.callosum.testing.FanoutSuite;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Broadcast and pipelines over the in-process lower, and what the core checks for every lower. */
class InProcessFanoutTest extends FanoutSuite {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private final Transport transport = new InProcessTransport();

  @Override
  protected Transport transport() {
    return transport;
  }

  @Override
  protected String bindAddress() {
    return "inproc://fanout-" + NAMES.incrementAndGet();
  }

  /** A lower with request/reply only. */
  private static final class RpcOnly implements Transport {
    @Override
    public Set<String> schemes() {
      return Set.of("rpconly");
    }

    @Override
    public Endpoint bind(URI address, TransportConfig config, LinkListener listener) {
      throw new AssertionError("not used");
    }

    @Override
    public Endpoint connect(URI address, TransportConfig config, LinkListener listener) {
      throw new AssertionError("not used");
    }
  }

  @Test
  void aLowerWithoutFanoutRefusesIt() {
    UnsupportedOperationException e =
        assertThrows(
            UnsupportedOperationException.class,
            () -> Broadcaster.builder().transport(new RpcOnly()).bind("rpconly://x").build());
    assertTrue(e.getMessage().contains("broadcast"), e.getMessage());
    assertThrows(
        UnsupportedOperationException.class,
        () -> PipelineReceiver.builder().transport(new RpcOnly()).connect("rpconly://x").build());
  }

  @Test
  void inProcessNamesAreCheckedOnOpen() {
    String name = bindAddress();
    assertThrows(
        UncheckedIOException.class,
        () -> BroadcastReceiver.builder().connect(name).build(),
        "nothing bound");
    try (Broadcaster b = Broadcaster.builder().bind(name).build()) {
      assertThrows(
          UncheckedIOException.class,
          () -> Broadcaster.builder().bind(name).build(),
          "bound twice");
      assertThrows(
          UncheckedIOException.class,
          () -> PipelineReceiver.builder().connect(name).build(),
          "a pipeline is not a broadcast");
    }
  }

  @Test
  void buildersNeedAnAddressAndSaneBounds() {
    assertThrows(IllegalStateException.class, () -> Broadcaster.builder().build());
    assertThrows(IllegalArgumentException.class, () -> Broadcaster.builder().queueCapacity(0));
    assertThrows(IllegalArgumentException.class, () -> Broadcaster.builder().maxMessageSize(10));
    assertThrows(
        IllegalArgumentException.class,
        () -> BroadcastReceiver.builder().topics("x".repeat(1025)).connect(bindAddress()).build());
  }
}
