package io.callosum.benchmarks;

import io.callosum.Payload;
import io.callosum.Peer;
import java.util.concurrent.CompletableFuture;

/**
 * Callosum's echo over one lower: a bound peer whose {@code echo} handler returns the body bytes as
 * they came, and one connected client calling it with {@code invokeRaw} (no codec on either side).
 */
final class CallosumEcho extends AsyncContender {
  private final String name;
  private final Peer server;
  private final Peer client;

  /**
   * @param bindAddress e.g. {@code tcp://127.0.0.1:0}, {@code zmq+tcp://127.0.0.1:0}, {@code inproc://x}
   * @param direct runs handlers and completions on the I/O threads ({@link Peer.Builder#directExecutor()})
   */
  CallosumEcho(String name, String bindAddress, boolean direct) {
    this.name = name;
    Peer.Builder serverBuilder = Peer.builder().name(name + "-server").bind(bindAddress);
    if (direct) {
      serverBuilder.directExecutor();
    }
    server = serverBuilder.build();
    Peer started = null;
    try {
      server.handle("echo", (context, body) -> Payload.wrap(body.bytes()));
      server.start();
      Peer.Builder clientBuilder = Peer.builder().name(name + "-client").connect(server.address());
      if (direct) {
        clientBuilder.directExecutor();
      }
      started = clientBuilder.build().start();
    } finally {
      if (started == null) {
        server.close();
      }
    }
    client = started;
  }

  @Override
  CompletableFuture<Payload> echo(byte[] body) {
    return client.call("echo").invokeRaw(Payload.wrap(body));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void close() {
    try {
      client.close();
    } finally {
      server.close();
    }
  }
}
