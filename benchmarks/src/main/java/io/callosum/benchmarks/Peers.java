package io.callosum.benchmarks;

import io.callosum.Body;
import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Payload;
import io.callosum.Peer;
import io.callosum.StreamCall;
import io.callosum.StreamSink;
import io.callosum.fanout.BroadcastReceiver;
import io.callosum.fanout.Broadcaster;
import io.callosum.lower.Transport;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Every use of Callosum's core API by the harness ({@link Peer} in its two roles, {@link
 * Broadcaster}, {@link BroadcastReceiver}, {@link Payload}), so that a change of that API touches
 * this class and not every scenario. Bodies travel raw ({@code invokeRaw}, {@link Payload#wrap}):
 * no codec runs on either side of an echo; the codec's cost is measured by JMH.
 */
final class Peers {
  /** The echo method: it answers with the request's body bytes. */
  static final String ECHO = "echo";

  private Peers() {}

  /**
   * A started peer bound at {@code address} that answers {@link #ECHO}.
   *
   * @param transport the lower to use, or null for the one of the address's scheme
   * @param direct handlers and completions run on the lower's I/O threads ({@code directExecutor})
   */
  static BoundPeer echoServer(String name, String address, Transport transport, boolean direct) {
    return start(
        bound(name, address, transport, direct),
        p -> p.handle(ECHO, (context, body) -> Payload.wrap(body.bytes())));
  }

  /**
   * A started peer bound at {@code address} whose {@code method} answers with the future {@code
   * handler} returns.
   */
  static BoundPeer asyncServer(
      String name, String address, String method, Supplier<CompletableFuture<Object>> handler) {
    return start(
        bound(name, address, null, true), p -> p.handle(method, (context, body) -> handler.get()));
  }

  /**
   * A started peer bound at {@code address} whose {@code sink} client stream counts the bytes of
   * its items (taken one by one with {@code take()}, default executors) and returns the count.
   */
  static BoundPeer sinkServer(String name, String address, Transport transport) {
    return start(
        bound(name, address, transport, false),
        p ->
            p.handleStream(
                "sink",
                (context, argument, upstream, downstream) -> {
                  long bytes = 0;
                  for (Body b; (b = upstream.take()) != null; ) {
                    bytes += b.size();
                  }
                  return bytes;
                }));
  }

  /**
   * A started peer connected to {@code address}; {@code transport} and {@code direct} as for {@link
   * #echoServer}.
   */
  static ConnectedPeer client(String name, String address, Transport transport, boolean direct) {
    ConnectedPeer.Builder b = Peer.builder().name(name).connect(address);
    if (transport != null) {
      b.transport(transport);
    }
    if (direct) {
      b.directExecutor();
    }
    return b.build().start();
  }

  /** Calls {@code method} with {@code body} as raw bytes. */
  static CompletableFuture<?> call(ConnectedPeer client, String method, byte[] body) {
    return client.call(method).invokeRaw(Payload.wrap(body));
  }

  /**
   * Sends {@code total} bytes as items of {@code item} on the {@code sink} client stream; returns
   * the count the server answers.
   */
  static long stream(ConnectedPeer client, byte[] item, long total, Duration timeout)
      throws Exception {
    StreamCall call = client.call("sink").timeout(timeout).clientStream(null);
    StreamSink upstream = call.upstream();
    Payload payload = Payload.wrap(item);
    for (long sent = 0; sent < total; sent += item.length) {
      upstream.send(payload);
    }
    upstream.complete();
    return ((Number) call.result().get(timeout.toSeconds(), TimeUnit.SECONDS)).longValue();
  }

  /** The address a bound peer listens on (with the real port). */
  static String address(Peer peer) {
    return peer.address();
  }

  /** How many remote peers a bound peer has. */
  static int remotes(Peer peer) {
    return peer.remotes().size();
  }

  /** The value to answer with raw bytes from a handler. */
  static Object raw(byte[] bytes) {
    return Payload.wrap(bytes);
  }

  /**
   * A publisher bound at {@code address} (or connected to it, with {@code connect}), {@code queue}
   * items deep per stage.
   */
  static Broadcaster publisher(String address, boolean connect, int queue) {
    return publisher(address, connect, queue, null);
  }

  /**
   * {@link #publisher(String, boolean, int)} over {@code transport} (null: the scheme's default).
   */
  static Broadcaster publisher(String address, boolean connect, int queue, Transport transport) {
    Broadcaster.Builder b = Broadcaster.builder().queueCapacity(queue);
    if (transport != null) {
      b.transport(transport);
    }
    return (connect ? b.connect(address) : b.bind(address)).build();
  }

  /**
   * Publishes {@code body} raw under {@code topic}; false if the publisher's own queue was full.
   */
  static boolean publishRaw(Broadcaster publisher, String topic, byte[] body) {
    return publish(publisher, topic, Payload.wrap(body));
  }

  /**
   * Publishes {@code value} (msgpack) under {@code topic}; false if the publisher's own queue was
   * full.
   */
  static boolean publish(Broadcaster publisher, String topic, Object value) {
    return publisher.publish(topic, value);
  }

  /** A receiver connected to {@code address} that hands each item's topic to {@code onTopic}. */
  static BroadcastReceiver topicReceiver(String address, int queue, Consumer<String> onTopic) {
    return topicReceiver(address, queue, null, onTopic);
  }

  /**
   * {@link #topicReceiver(String, int, Consumer)} over {@code transport} (null: the scheme's
   * default).
   */
  static BroadcastReceiver topicReceiver(
      String address, int queue, Transport transport, Consumer<String> onTopic) {
    BroadcastReceiver.Builder b = BroadcastReceiver.builder();
    if (transport != null) {
      b.transport(transport);
    }
    return b.connect(address).queueCapacity(queue).handler(d -> onTopic.accept(d.topic())).build();
  }

  /**
   * A receiver bound at {@code address} that hands each item's decoded value to {@code onValue}.
   */
  static BroadcastReceiver valueReceiver(String address, int queue, Consumer<Object> onValue) {
    return BroadcastReceiver.builder()
        .bind(address)
        .queueCapacity(queue)
        .handler(d -> onValue.accept(d.value()))
        .build();
  }

  private static BoundPeer.Builder bound(
      String name, String address, Transport transport, boolean direct) {
    BoundPeer.Builder b = Peer.builder().name(name).bind(address);
    if (transport != null) {
      b.transport(transport);
    }
    if (direct) {
      b.directExecutor();
    }
    return b;
  }

  /**
   * Builds the peer, lets {@code setup} add its handlers, and starts it (closed again if that
   * fails).
   */
  private static BoundPeer start(BoundPeer.Builder builder, Consumer<BoundPeer> setup) {
    BoundPeer peer = builder.build();
    try {
      setup.accept(peer);
      return peer.start();
    } catch (RuntimeException e) {
      peer.close();
      throw e;
    }
  }
}
