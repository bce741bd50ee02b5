package io.callosum.examples;

import io.callosum.BoundPeer;
import io.callosum.Peer;
import io.callosum.examples.uppers.MsgpackDemo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A serving process for tests that need the other end in another JVM: binds the msgpack demo
 * service at the address in {@code args[0]}, prints {@code READY <address>}, and serves until its
 * stdin ends (the test closing it, or dying).
 */
public final class ChildServer {
  private ChildServer() {}

  public static void main(String[] args) throws IOException {
    MsgpackDemo demo = new MsgpackDemo();
    try (BoundPeer server =
        demo.configure(Peer.builder().name("child").bind(args[0]))
            .ordering(MsgpackDemo.ordering())
            .build()) {
      demo.serve(server);
      server.start();
      System.out.println("READY " + server.address());
      System.out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      while (in.readLine() != null) {
        // serve until stdin ends
      }
    }
  }
}
