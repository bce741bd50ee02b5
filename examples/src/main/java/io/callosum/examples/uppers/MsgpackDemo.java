package io.callosum.examples.uppers;

import io.callosum.Invoker;
import io.callosum.Ordering;
import io.callosum.Peer;
import io.callosum.RemoteUserException;
import io.callosum.upper.MsgpackClient;
import io.callosum.upper.MsgpackCodec;
import io.callosum.upper.MsgpackServices;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo service with the default upper: msgpack bodies, through a typed interface on each side
 * ({@link MsgpackServices}).
 */
public final class MsgpackDemo implements DemoUpper {
  /** The declared error of the msgpack flavour: an exception type both ends know by name. */
  public static final class DemoFailure extends Exception {
    private static final long serialVersionUID = 1L;

    public DemoFailure(String reason) {
      super(reason);
    }
  }

  @Override
  public String name() {
    return "msgpack";
  }

  @Override
  public <B extends Peer.Options<B>> B configure(B builder) {
    return builder.codec(new MsgpackCodec()); // the one line that differs per upper
  }

  /** The two operands of {@code add}: a msgpack map {@code {a, b}} on the wire. */
  public record Sum(long a, long b) {}

  /** The service as the server implements it: blocking methods, run on the handler executor. */
  public interface Served {
    String echo(String text);

    long add(Sum operands);

    void fail(String reason) throws DemoFailure;

    void slow(long millis) throws InterruptedException;

    long next(String key);
  }

  /** The same service as callers see it: every method asynchronous. */
  public interface Service {
    CompletableFuture<String> echo(String text);

    CompletableFuture<Long> add(Sum operands);

    CompletableFuture<Void> fail(String reason);

    CompletableFuture<Void> slow(long millis);

    CompletableFuture<Long> next(String key);
  }

  @Override
  public void serve(Peer server) {
    Map<String, AtomicLong> sequences = new ConcurrentHashMap<>();
    MsgpackServices.bind(
        server,
        Served.class,
        new Served() {
          @Override
          public String echo(String text) {
            return text;
          }

          @Override
          public long add(Sum operands) {
            return operands.a() + operands.b();
          }

          @Override
          public void fail(String reason) throws DemoFailure {
            throw new DemoFailure(reason);
          }

          @Override
          public void slow(long millis) throws InterruptedException {
            Thread.sleep(millis);
          }

          @Override
          public long next(String key) {
            return sequences.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
          }
        });
  }

  @Override
  public DemoClient client(Invoker client) {
    MsgpackClient<Service> service = MsgpackServices.client(client, Service.class);
    Service stub = service.stub();
    return new DemoClient() {
      @Override
      public CompletableFuture<String> echo(String text) {
        return stub.echo(text);
      }

      @Override
      public CompletableFuture<Long> add(long a, long b) {
        return stub.add(new Sum(a, b));
      }

      @Override
      public CompletableFuture<Void> fail(String reason) {
        return stub.fail(reason);
      }

      @Override
      public CompletableFuture<Void> slow(long millis, Duration timeout) {
        return service.withTimeout(timeout).stub().slow(millis);
      }

      @Override
      public CompletableFuture<Long> next(String key) {
        return service.withOrderKey(key).stub().next(key);
      }
    };
  }

  @Override
  public boolean isDeclaredFailure(Throwable failure, String reason) {
    return failure instanceof RemoteUserException remoteUserException
        && remoteUserException.remoteName().equals(DemoFailure.class.getName())
        && remoteUserException.remoteRepr().contains(reason);
  }

  /** The ordering the demo server needs for {@code next}. */
  public static Ordering ordering() {
    return Ordering.KEY_SERIALIZED;
  }
}
