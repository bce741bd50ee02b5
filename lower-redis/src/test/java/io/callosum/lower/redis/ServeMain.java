package io.callosum.lower.redis;

import io.callosum.BoundPeer;
import io.callosum.Peer;
import java.io.InputStream;

/**
 * A bound peer in a process of its own, for tests that kill it: serves {@code echo} at the address
 * given as the only argument, prints {@code READY} and runs until stdin ends or it is killed.
 */
public final class ServeMain {
  private ServeMain() {}

  public static void main(String[] args) throws Exception {
    try (BoundPeer server =
        Peer.builder().transport(new RedisTransport(RedisTests.options())).bind(args[0]).build()) {
      server.handle("echo", (ctx, body) -> body.value());
      server.start();
      System.out.println("READY");
      System.out.flush();
      InputStream in = System.in;
      while (in.read() >= 0) {
        // until the test closes our stdin
      }
    }
  }
}
