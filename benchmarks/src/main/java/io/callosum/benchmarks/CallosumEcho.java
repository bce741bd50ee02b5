package io.callosum.benchmarks;

import io.callosum.ConnectedPeer;
import io.callosum.lower.Transport;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Callosum's echo over one lower: a bound peer whose {@code echo} handler returns the body bytes as
 * they came ({@link #serving}, in its own worker JVM unless same-JVM), and one connected client in
 * the harness calling it with {@code invokeRaw} (no codec on either side).
 */
final class CallosumEcho extends AsyncContender {
  private final String name;
  private final List<Server> servers;
  private final ConnectedPeer client;

  /**
   * @param servers every serving process the calls pass through (the echo server last), closed with
   *     this contender
   * @param clientTransport the client's lower, or null for the address scheme's default
   * @param direct the client runs completions on the I/O thread ({@code directExecutor})
   */
  CallosumEcho(
      String name,
      List<Server> servers,
      String connectAddress,
      Transport clientTransport,
      boolean direct) {
    this.name = name;
    this.servers = List.copyOf(servers);
    ConnectedPeer started = null;
    try {
      started = Peers.client(name + "-client", connectAddress, clientTransport, direct);
    } finally {
      if (started == null) {
        servers.forEach(Server::close);
      }
    }
    client = started;
  }

  /**
   * The echo server at {@code bindAddress} on {@code host}, with the given executors on both ends;
   * e.g. {@code tcp://127.0.0.1:0}, {@code zmq+tcp://127.0.0.1:0}, {@code inproc://x}.
   */
  static CallosumEcho open(String name, Host host, String bindAddress, boolean direct)
      throws Exception {
    Server server =
        host.open(
            name, Role.CALLOSUM_ECHO, bindAddress, direct ? "direct" : "default", Security.PLAIN);
    return new CallosumEcho(name, List.of(server), server.address(), null, direct);
  }

  @Override
  CompletableFuture<?> echo(byte[] body) {
    return Peers.call(client, Peers.ECHO, body);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public List<Server> servers() {
    return servers;
  }

  @Override
  public void close() {
    try {
      client.close();
    } finally {
      servers.forEach(Server::close);
    }
  }

  /** The echo peer: {@code ADDRESS direct|default SECURITY} ({@link ServedPeer}). */
  static Served serving(List<String> args) {
    boolean direct = args.get(1).equals("direct");
    return new ServedPeer(
        args.get(0),
        args.get(2),
        (address, transport) -> Peers.echoServer("echo-server", address, transport, direct));
  }
}
