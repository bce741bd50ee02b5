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
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The typed msgpack service with its server in another JVM, over TCP on loopback. */
class TypedServiceAcrossProcessesTest {
  @Test
  void aTypedClientCallsAServerInAnotherProcess() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                ChildServer.class.getName(),
                "tcp://127.0.0.1:0")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String ready = out.readLine();
      assertTrue(ready != null && ready.startsWith("READY tcp://"), String.valueOf(ready));
      MsgpackDemo demo = new MsgpackDemo();
      try (ConnectedPeer client =
          demo.configure(Peer.builder().connect(ready.substring("READY ".length())))
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
    } finally {
      child.getOutputStream().close(); // its stdin ends: it closes its peer and exits
      if (!child.waitFor(30, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
    }
    assertEquals(0, child.exitValue());
  }
}
