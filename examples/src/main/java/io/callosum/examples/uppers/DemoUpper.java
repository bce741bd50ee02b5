package io.callosum.examples.uppers;

import io.callosum.Invoker;
import io.callosum.Peer;

/**
 * The same small service written once per upper (msgpack, Protobuf, Thrift), so that examples and
 * tests can run it through any upper over any lower and show that only the upper changes.
 *
 * <p>The service: {@code echo(text)} returns the text; {@code add(a, b)} the sum; {@code
 * fail(reason)} fails with the upper's declared error carrying the reason; {@code slow(millis)}
 * sleeps (and is cancelled by its caller's timeout); {@code next(key)} returns 1, 2, 3... per order
 * key, which the client sends as the call's order key (the server is built with {@code
 * Ordering.KEY_SERIALIZED}).
 */
public interface DemoUpper {
  /** The upper's name: {@code msgpack}, {@code protobuf} or {@code thrift}. */
  String name();

  /** The peer builder line that differs per upper (the codec), applied to both ends. */
  <B extends Peer.Options<B>> B configure(B builder);

  /** Registers the service's handlers on {@code server} (before it starts). */
  void serve(Peer server);

  /** A typed client of the service over {@code client} (e.g. a started {@code ConnectedPeer}). */
  DemoClient client(Invoker client);

  /**
   * Whether {@code failure} (as thrown by {@link DemoClient#fail}, unwrapped from any {@code
   * CompletionException}) is this upper's declared error carrying {@code reason}.
   */
  boolean isDeclaredFailure(Throwable failure, String reason);
}
