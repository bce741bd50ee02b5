package io.callosum.upper.thrift;

import io.callosum.Invoker;
import io.callosum.Payload;
import io.callosum.upper.thrift.internal.ThriftMessages;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.apache.thrift.TConfiguration;
import org.apache.thrift.TException;
import org.apache.thrift.TServiceClient;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.transport.TMemoryInputTransport;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.TTransportException;

/**
 * Generated Thrift clients of one service over one Callosum peer, usable from any number of threads
 * at once (a generated {@code Client} alone is not): each call gets its own client and {@link
 * CallosumTransport}, which cost a few small objects, and the peer multiplexes the calls.
 *
 * <pre>{@code
 * ThriftClients<Calc.Client> calc = ThriftClients.of(peer, Calc.Client::new);
 * long sum = calc.call(c -> c.add(40, 2));                                       // blocking
 * CompletableFuture<Long> f = calc.async(c -> c.send_add(40, 2), Calc.Client::recv_add);
 * calc.with(CallOptions.DEFAULT.withOrderKey("acct-7").withTimeout(Duration.ofSeconds(2)))
 *     .call(c -> c.add(1, 2));
 * }</pre>
 *
 * <p>The service name on the wire ({@code Calc.add}) is the simple name of the class enclosing the
 * generated client, unless {@link #service(String)} says otherwise. Immutable and thread-safe.
 */
public final class ThriftClients<C extends TServiceClient> {
  /** A call made with a client; throws what the generated method throws. */
  @FunctionalInterface
  public interface Call<C, T> {
    T call(C client) throws TException;
  }

  /** The sending half of an asynchronous call, e.g. {@code c -> c.send_add(1, 2)}. */
  @FunctionalInterface
  public interface Send<C> {
    void send(C client) throws TException;
  }

  private final Invoker invoker;
  private final Function<TProtocol, C> factory;
  private final String service;
  private final CallOptions options;
  private final TConfiguration configuration;

  private ThriftClients(
      Invoker invoker,
      Function<TProtocol, C> factory,
      String service,
      CallOptions options,
      TConfiguration configuration) {
    this.invoker = invoker;
    this.factory = factory;
    this.service = service;
    this.options = options;
    this.configuration = configuration;
  }

  /**
   * Clients made by {@code factory} (the generated {@code Client::new}) calling through {@code
   * invoker}: a connecting {@code Peer}, or a {@code RemotePeer} for a server calling a client.
   */
  public static <C extends TServiceClient> ThriftClients<C> of(
      Invoker invoker, Function<TProtocol, C> factory) {
    Objects.requireNonNull(invoker, "invoker");
    Objects.requireNonNull(factory, "factory");
    return new ThriftClients<>(
        invoker,
        factory,
        serviceOf(factory),
        CallOptions.DEFAULT,
        ThriftMessages.DEFAULT_CONFIGURATION);
  }

  private static String serviceOf(Function<TProtocol, ? extends TServiceClient> factory) {
    try {
      Class<?> service =
          factory.apply(protocol(new TMemoryInputTransport())).getClass().getEnclosingClass();
      return service == null ? null : service.getSimpleName();
    } catch (TTransportException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The protocol this upper speaks (strict binary, with the transport's limits) over {@code
   * transport}.
   */
  public static TProtocol protocol(TTransport transport) {
    if (!(transport instanceof CallosumTransport callosum)) {
      return ThriftMessages.protocol(transport);
    }

    long limit = transport.getConfiguration().getMaxMessageSize();
    return new TBinaryProtocol(transport, limit, limit, true, true) {
      @Override
      public void writeMessageBegin(TMessage message) throws TException {
        callosum.discardUnsent(); // a previous call may have failed half-way through its arguments
        super.writeMessageBegin(message);
      }
    };
  }

  /**
   * The same clients with another service name on the wire (as given to {@link
   * ThriftService#named}).
   */
  public ThriftClients<C> service(String name) {
    return new ThriftClients<>(
        invoker, factory, Objects.requireNonNull(name, "name"), options, configuration);
  }

  /** The same clients with an order key and/or timeout on every call. */
  public ThriftClients<C> with(CallOptions options) {
    return new ThriftClients<>(
        invoker, factory, service, Objects.requireNonNull(options, "options"), configuration);
  }

  /** The same clients with other Thrift limits (message size, recursion depth). */
  public ThriftClients<C> configuration(TConfiguration configuration) {
    return new ThriftClients<>(
        invoker, factory, service, options, Objects.requireNonNull(configuration, "configuration"));
  }

  /**
   * A new client over its own transport, for one thread at a time (e.g. to keep it in a thread).
   */
  public C client() {
    return factory.apply(protocol(transport()));
  }

  /**
   * Runs {@code call} with a fresh client; blocks until the reply. Thread-safe; interrupting
   * cancels.
   */
  public <T> T call(Call<C, T> call) throws TException {
    return call.call(client());
  }

  /**
   * Sends a call with a fresh client and returns at once; {@code receive} (the generated {@code
   * recv_...}) reads the reply when it arrives, on the peer's callback executor. Calls sent one
   * after another from one thread leave in that order, so order keys keep their sequence.
   * Cancelling the future cancels the call at the remote. The future fails with the declared Thrift
   * exception, or with the core's {@code CallosumException}.
   */
  public <T> CompletableFuture<T> async(Send<C> send, Call<C, T> receive) {
    CallosumTransport transport = transport();
    C client = factory.apply(protocol(transport));
    try {
      send.send(client);
    } catch (TException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Payload> sent = transport.takeSent();
    if (sent == null) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("the send function sent no call"));
    }
    CompletableFuture<T> result =
        sent.thenApply(
            reply -> {
              try {
                transport.accept(reply);
                return receive.call(client);
              } catch (TException e) {
                throw new CompletionException(e);
              }
            });
    // Cancelling result cancels the call; the action throws nothing, so its stage holds nothing.
    var unused =
        result.whenComplete(
            (v, e) -> {
              if (result.isCancelled()) {
                sent.cancel(true);
              }
            });
    return result;
  }

  private CallosumTransport transport() {
    if (service == null) {
      throw new IllegalStateException(
          "the client class is not nested in a service class: name the service with service(name)");
    }
    return new CallosumTransport(invoker, service, options, configuration);
  }

  @Override
  public String toString() {
    return "ThriftClients(" + service + ", " + options + ")";
  }
}
