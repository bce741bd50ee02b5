package io.callosum.gateway.internal;

import io.callosum.lower.tcp.internal.RelayLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening socket of a gateway on its I/O loop: each accepted socket goes to the handler (loop
 * thread). Opened on any thread; closed on the loop thread.
 */
final class Acceptor {
  private static final Logger LOG = LoggerFactory.getLogger(Acceptor.class);

  /** Takes an accepted socket; loop thread. A failure closes that socket alone. */
  interface Handler {
    void accepted(SocketChannel socket, String remote) throws IOException;
  }

  private final ServerSocketChannel server;
  private final String address;
  private final Handler handler;
  private SelectionKey key;

  private Acceptor(ServerSocketChannel server, String address, Handler handler) {
    this.server = server;
    this.address = address;
    this.handler = handler;
  }

  /**
   * Binds {@code address} ({@code tcp://host:port}) and starts accepting on {@code loop}; waits
   * until it is registered.
   */
  static Acceptor open(RelayLoop loop, URI address, Handler handler) throws IOException {
    ServerSocketChannel ssc = ServerSocketChannel.open();
    try {
      ssc.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      ssc.bind(RelayLoop.bindable(address), 256);
      ssc.configureBlocking(false);
      Acceptor a =
          new Acceptor(
              ssc,
              RelayLoop.withPort(address, ((InetSocketAddress) ssc.getLocalAddress()).getPort()),
              handler);
      CompletableFuture<Void> registered = new CompletableFuture<>();
      if (!loop.post(
          () -> {
            try {
              a.key = loop.register(ssc, SelectionKey.OP_ACCEPT, a::ready);
              registered.complete(null);
            } catch (IOException | RuntimeException e) {
              registered.completeExceptionally(e);
            }
          })) {
        throw new IOException("the I/O loop has stopped");
      }
      try {
        registered.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof IOException
            ? (IOException) e.getCause()
            : new IOException(e.getCause());
      }
      return a;
    } catch (IOException | RuntimeException e) {
      ssc.close();
      throw e;
    }
  }

  /** {@code tcp://host:port} with the bound port. */
  String address() {
    return address;
  }

  private void ready(SelectionKey k) {
    for (int i = 0; i < 64; i++) {
      SocketChannel sc;
      try {
        sc = server.accept();
      } catch (IOException e) {
        LOG.warn("{}: accept failed: {}", address, e.toString());
        return;
      }
      if (sc == null) {
        return;
      }
      String remote;
      try {
        remote = String.valueOf(sc.getRemoteAddress()).replaceFirst("^/", "");
        sc.configureBlocking(false);
        sc.setOption(StandardSocketOptions.TCP_NODELAY, true);
        handler.accepted(sc, remote);
      } catch (IOException | RuntimeException e) {
        LOG.warn("{}: cannot take an accepted connection: {}", address, e.toString());
        try {
          sc.close();
        } catch (IOException ignored) {
          // closing is all that is left to do
        }
      }
    }
  }

  /** Stops listening; the port is free when this returns. Loop thread. */
  void close() {
    try {
      if (key != null) {
        key.cancel();
      }
      server.close();
      key.selector().selectNow();
    } catch (IOException | RuntimeException e) {
      LOG.debug("closing {} failed", address, e);
    }
  }

  @Override
  public String toString() {
    return "Acceptor(" + address + ")";
  }
}
