package io.callosum.examples;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The quick start of the README, runnable: a server that calls its client back while serving it.
 */
public final class QuickStart {
  private QuickStart() {}

  /** Runs the quick start and returns what it prints. */
  static String run() {
    // --- README quick start begins (keep in step with README.md) ---
    try (BoundPeer server = Peer.builder().bind("inproc://calc").build()) {
      server.handle(
          "add",
          (ctx, body) -> {
            Map<?, ?> m = (Map<?, ?>) body.value();
            Object who = ctx.caller().invokeAndWait("name", null); // a callback to the client
            return who
                + ": "
                + (((Number) m.get("a")).longValue() + ((Number) m.get("b")).longValue());
          });
      server.start();

      try (ConnectedPeer client = Peer.builder().connect("inproc://calc").build()) {
        client.handle("name", (ctx, body) -> "client-1");
        client.start();
        CompletableFuture<Object> sum = client.invoke("add", Map.of("a", 1, "b", 2));
        return String.valueOf(sum.join()); // client-1: 3
      }
    }
    // --- README quick start ends ---
  }

  public static void main(String[] args) {
    System.out.println(run());
  }
}
