package com.example.quickstart;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import java.time.Duration;
import java.util.Map;

/**
 * A server and a client over TCP on loopback: the client calls {@code greet}, and the server calls
 * the client back for its name while it serves the call.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    try (BoundPeer server = Peer.builder().bind("tcp://127.0.0.1:0").build()) {
      server.handle(
          "greet",
          (ctx, body) -> {
            Map<?, ?> m = (Map<?, ?>) body.value();
            Object name = ctx.caller().invokeAndWait("name", null); // a callback to the client
            return m.get("greeting") + ", " + name + "!";
          });
      server.start();
      System.out.println("server listening on " + server.address());

      try (ConnectedPeer client =
          Peer.builder().connect(server.address()).defaultTimeout(Duration.ofSeconds(10)).build()) {
        client.handle("name", (ctx, body) -> "quickstart");
        client.start();
        Object reply = client.invoke("greet", Map.of("greeting", "Hello")).join();
        System.out.println("reply: " + reply);
      }
    }
  }
}
