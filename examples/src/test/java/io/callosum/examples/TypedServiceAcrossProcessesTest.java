package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.CallTimeoutException;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.examples.uppers.DemoClient;
import io.callosum.examples.uppers.MsgpackDemo;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The typed msgpack service with its server in another JVM, over TCP on loopback. */
class TypedServiceAcrossProcessesTest {
  @Test
  void aTypedClientCallsAServerInAnotherProcess() throws Exception {
    try (ChildJvm child = ChildJvm.start(ChildServer.class, "tcp://127.0.0.1:0")) {
      MsgpackDemo demo = new MsgpackDemo();
      try (ConnectedPeer client =
          demo.configure(Peer.builder().connect(child.address()))
              .defaultTimeout(Duration.ofSeconds(30))
              .build()
              .start()) {
        DemoClient service = demo.client(client);
        assertEquals("across", service.echo("across").get(30, TimeUnit.SECONDS));
        assertEquals(5L, service.add(2, 3).get(30, TimeUnit.SECONDS));
        assertEquals(1L, service.next("k").get(30, TimeUnit.SECONDS));
        assertEquals(2L, service.next("k").get(30, TimeUnit.SECONDS));
        CompletionException failed =
            assertThrows(CompletionException.class, () -> service.fail("declared").join());
        assertTrue(demo.isDeclaredFailure(failed.getCause(), "declared"), failed::toString);
        CompletionException late =
            assertThrows(
                CompletionException.class,
                () -> service.slow(10_000, Duration.ofMillis(100)).join());
        assertInstanceOf(CallTimeoutException.class, late.getCause());
      }
    }
  }
}
