package io.callosum.examples.guide;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.RemotePeer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The snippets of the user guide's section "Peers and addresses" (docs/GUIDE.md): binding and
 * connecting, one lower per address scheme, and a bound peer calling its clients. Each method runs
 * its snippet and returns what the guide says it gives; {@code GuideTest} checks both.
 */
final class PeersGuide {
  private PeersGuide() {}

  /** A server and a client in one JVM; returns the client's result, "hello Ann". */
  static Object bindAndConnect() {
    // guide:bindAndConnect
    try (BoundPeer server = Peer.builder().bind("inproc://greeter").build()) {
      server.handle("greet", (ctx, body) -> "hello " + body.value());
      server.start();

      try (ConnectedPeer client = Peer.builder().connect("inproc://greeter").build().start()) {
        return client.invoke("greet", "Ann").join(); // "hello Ann"
      }
    }
    // end guide:bindAndConnect
  }

  /** The same server and client over each lower; returns one line per address. */
  static List<String> lowers() {
    // guide:lowers
    List<String> results = new ArrayList<>();
    for (String bindAddress :
        List.of("inproc://echo", "tcp://127.0.0.1:0", "zmq+tcp://127.0.0.1:0")) {
      try (BoundPeer server = Peer.builder().bind(bindAddress).build()) {
        server.handle("echo", (ctx, body) -> body.value());
        server.start();
        String address = server.address(); // after binding port 0: the port the system chose

        try (ConnectedPeer client = Peer.builder().connect(address).build().start()) {
          results.add(address + " -> " + client.invoke("echo", "hi").join());
        }
      }
    }
    // end guide:lowers
    return results;
  }

  /**
   * Two clients connect; the server calls each of them back through {@link Peer#remotes()}. Returns
   * what the clients answered.
   */
  static List<Object> callClients() {
    try (BoundPeer server = Peer.builder().bind("inproc://news").build()) {
      server.handle("hello", (ctx, body) -> "hi").start();
      List<ConnectedPeer> clients = List.of(client("ann"), client("bob"));
      try {
        // guide:callClients
        List<CompletableFuture<Object>> acks = new ArrayList<>();
        for (RemotePeer remote : server.remotes()) {
          acks.add(remote.invoke("notify", "maintenance at 02:00"));
        }
        // end guide:callClients
        List<Object> answers = new ArrayList<>();
        for (CompletableFuture<Object> ack : acks) {
          answers.add(ack.join());
        }
        return answers;
      } finally {
        clients.forEach(Peer::close);
      }
    }
  }

  /**
   * A started client of {@code inproc://news} that answers "notify"; it has made a call, so the
   * server has seen it connect.
   */
  private static ConnectedPeer client(String name) {
    ConnectedPeer client = Peer.builder().connect("inproc://news").build();
    client.handle("notify", (ctx, body) -> name + " got: " + body.value());
    client.start();
    client.invoke("hello", null).join();
    return client;
  }
}
