package io.callosum.benchmarks;

import java.util.List;
import java.util.Locale;

/**
 * The serving sides a {@link Worker} (or {@link Host#local()}) can open, by name on the wire
 * ({@code callosum-echo}, ...), each from its word arguments.
 */
@SuppressWarnings("ImmutableEnumChecker") // each factory is a stateless method reference
enum Role {
  /** Callosum's echo peer: {@code ADDRESS direct|default plain|curve:CLIENT_KEY|gateway:URI}. */
  CALLOSUM_ECHO(CallosumEcho::serving),
  /** grpc-java's unary echo: {@code direct|default}. */
  GRPC_ECHO(GrpcEcho.Serving::new),
  /** The raw comparators' length-prefixed echo server: {@code BUFFER_BYTES}. */
  RAW_ECHO(LengthPrefixedEchoServer::new),
  /** A jeromq ROUTER echoing on its own thread. */
  JEROMQ_ECHO(JeromqEcho.Router::new),
  /** P3's Callosum receiver: {@code ADDRESS plain|curve:CLIENT_KEY}. */
  CALLOSUM_SINK(BulkStream::callosumSink),
  /** P3's grpc-java receiver. */
  GRPC_SINK(BulkStream.GrpcSink::new),
  /** P3's socket receivers: {@code plain|tls}. */
  SOCKET_SINK(BulkStream.SocketSink::new),
  /** P5's Callosum publisher: {@code ADDRESS plain|curve:CLIENT_KEY}. */
  CALLOSUM_PUBLISHER(Fanout.CallosumPublisher::new),
  /** P5's Redis publisher: {@code PORT}. */
  REDIS_PUBLISHER(Fanout.RedisPublisher::new),
  /** P6's worker peers: {@code SCHEDULER_ADDRESS}. */
  SCHEDULING_WORKERS(Scheduling.Workers::new),
  /** P7's bound peer: {@code tcp|zmq}. */
  SCALE_SERVER(Scale.Bound::new),
  /** P7's idle client peers: {@code tcp|tcp-channels|zmq}. */
  SCALE_CLIENTS(Scale.Clients::new),
  /** P8's gateway: {@code CLUSTER} and its keys, see {@link Gateways}. */
  GATEWAY(Gateways.Serving::new);

  /** Opens a serving side from its arguments. */
  @FunctionalInterface
  interface Factory {
    Served open(List<String> args) throws Exception;
  }

  private final Factory factory;

  Role(Factory factory) {
    this.factory = factory;
  }

  Served open(List<String> args) throws Exception {
    return factory.open(args);
  }

  String wireName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  static Role named(String wireName) {
    for (Role r : values()) {
      if (r.wireName().equals(wireName)) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown role " + wireName);
  }
}
