package io.callosum;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void echoAndAddBothWays() throws Exception {
    try (Peer server = Peer.builder().bind("inproc://smoke").build()) {
      server.handle("add", (ctx, body) -> {
        Map<?, ?> m = (Map<?, ?>) body.value();
        return ((Number) m.get("a")).longValue() + ((Number) m.get("b")).longValue();
      });
      server.handle("back", (ctx, body) -> ctx.caller().invoke("hello", "x").join());
      server.start();
      try (Peer client = Peer.builder().connect("inproc://smoke").build()) {
        client.handle("hello", (ctx, body) -> "hi " + body.value());
        client.start();
        assertEquals(3, client.invoke("add", Map.of("a", 1, "b", 2)).join());
        assertEquals("hi x", client.invokeAndWait("back", null));
        assertEquals(1, server.remotes().size());
        assertEquals("hi y", server.remotes().get(0).invokeAndWait("hello", "y"));
      }
    }
  }
}
