package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class QuickStartTest {
  @Test
  void theReadmeQuickStartRunsAndPrintsTheSum() {
    assertEquals("client-1: 3", QuickStart.run());
  }

  @Test
  void theReadmeShowsTheSameCode() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    for (String line :
        new String[] {
          "try (BoundPeer server = Peer.builder().bind(\"inproc://calc\").build()) {",
          "Object who = ctx.caller().invokeAndWait(\"name\", null);   // a callback to the client",
          "try (ConnectedPeer client = Peer.builder().connect(\"inproc://calc\").build()) {",
          "CompletableFuture<Object> sum = client.invoke(\"add\", Map.of(\"a\", 1, \"b\", 2));",
        }) {
      assertTrue(readme.contains(line), "README.md lacks: " + line);
    }
  }
}
