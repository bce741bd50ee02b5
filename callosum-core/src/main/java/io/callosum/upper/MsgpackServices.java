package io.callosum.upper;

import io.callosum.Invoker;
import io.callosum.Peer;
import io.callosum.internal.typed.ClientProxy;
import io.callosum.internal.typed.ServiceBinding;
import java.util.List;

/**
 * Typed msgpack services: one Java interface, bound on the serving peer and called through a stub
 * on the calling side, instead of a string and an {@code Object} per call. The msgpack counterpart
 * of the Protobuf upper's {@code ProtobufServices}.
 *
 * <pre>{@code
 * public interface Greeter {
 *   Greeting greet(Person p);                          // blocking
 *   CompletableFuture<Greeting> greetLater(Person p);  // asynchronous
 *   Flow.Publisher<Greeting> greetAll(List<Person> p); // a server stream
 *   @RemoteMethod("get_status") String status();       // the name a Python peer uses
 * }
 * MsgpackServices.bind(server, Greeter.class, new GreeterImpl());
 * Greeter greeter = MsgpackServices.client(client, Greeter.class).withTimeout(ofSeconds(5)).stub();
 * }</pre>
 *
 * <p>Each method's wire name is its Java name or its {@link RemoteMethod} name; it takes at most
 * one value (records and beans carry several, as msgpack maps), sent as the call's body, and its
 * result decodes as the declared type (generic types included). Methods return {@code R} or {@code
 * void} (the stub blocks), {@code CompletableFuture<R>} / {@code CompletionStage<R>}, or {@code
 * Flow.Publisher<R>} (a server stream with flow control; the stub's publisher makes the call when
 * subscribed). An implementation's method may take the call's {@link io.callosum.CallContext} as
 * its last parameter (its caller for callbacks, identity, order key, cancellation) — declare it in
 * a serving-side interface; a client's interface has none. Default methods are not remote: on a
 * stub they run as written. Every method is checked when the stub or binding is made, and a method
 * that cannot be remote is an {@link IllegalArgumentException} naming it.
 *
 * <p>What an implementation throws reaches the caller as a {@link io.callosum.RemoteUserException};
 * an argument that does not decode as the parameter's type is answered with a {@code CODEC_ERROR}.
 * Wire-compatible with any peer that speaks msgpack bodies, Python Callosum included. Thread-safe.
 */
public final class MsgpackServices {
  private MsgpackServices() {}

  /** A client of {@code api} calling over {@code invoker} (a connected peer or a remote peer). */
  public static <T> MsgpackClient<T> client(Invoker invoker, Class<T> api) {
    return new MsgpackClient<>(invoker, api, ClientProxy.model(api), null, null, false);
  }

  /**
   * Serves {@code api}'s methods on {@code peer} (before or after it starts) with {@code impl};
   * handlers run on the peer's handler executor, under its ordering and limits.
   *
   * @return the wire names registered
   */
  public static <T> List<String> bind(Peer peer, Class<T> api, T impl) {
    return ServiceBinding.bind(peer, api, impl);
  }
}
