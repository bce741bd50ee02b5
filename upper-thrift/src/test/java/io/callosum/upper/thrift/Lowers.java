package io.callosum.upper.thrift;

import io.callosum.ConnectedPeer;
import io.callosum.Ordering;
import io.callosum.Peer;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/** The lowers the tests run over, and a server/client pair over one of them. */
final class Lowers {
  private static final AtomicInteger NAMES = new AtomicInteger();

  private Lowers() {}

  /** For {@code @MethodSource}: the in-process lower and ZeroMQ over loopback TCP. */
  static List<String> all() {
    return List.of("inproc", "zmq+tcp");
  }

  static String bindAddress(String lower) {
    return lower.equals("inproc")
        ? "inproc://thrift-" + NAMES.incrementAndGet()
        : lower + "://127.0.0.1:0";
  }

  /** A started server serving {@code service} with key-serialized ordering. */
  static Peer server(Closer closer, String lower, ThriftService service) {
    return server(closer, lower, service, Ordering.KEY_SERIALIZED);
  }

  static Peer server(Closer closer, String lower, ThriftService service, Ordering ordering) {
    Peer server = closer.later(Peer.builder().bind(bindAddress(lower)).ordering(ordering).build());
    service.serveOn(server);
    return server.start();
  }

  /** A started client of {@code server}, configured further by {@code more}. */
  static ConnectedPeer client(
      Closer closer, Peer server, UnaryOperator<ConnectedPeer.Builder> more) {
    return closer
        .later(
            more.apply(Peer.builder().connect(server.address()).defaultTimeout(Await.LIMIT))
                .build())
        .start();
  }

  static ConnectedPeer client(Closer closer, Peer server) {
    return client(closer, server, b -> b);
  }
}
