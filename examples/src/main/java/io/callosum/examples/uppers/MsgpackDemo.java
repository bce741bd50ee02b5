package io.callosum.examples.uppers;

import io.callosum.Invoker;
import io.callosum.Ordering;
import io.callosum.Peer;
import io.callosum.RemoteUserException;
import io.callosum.upper.MsgpackCodec;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The demo service with the default upper: msgpack bodies, methods named by strings. */
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

  @Override
  public void serve(Peer server) {
    Map<String, AtomicLong> sequences = new ConcurrentHashMap<>();
    server.handle("echo", (ctx, body) -> body.as(String.class));
    server.handle(
        "add",
        (ctx, body) -> {
          Map<?, ?> m = (Map<?, ?>) body.value();
          return ((Number) m.get("a")).longValue() + ((Number) m.get("b")).longValue();
        });
    server.handle(
        "fail",
        (ctx, body) -> {
          throw new DemoFailure(body.as(String.class));
        });
    server.handle(
        "slow",
        (ctx, body) -> {
          Thread.sleep(body.as(Long.class));
          return null;
        });
    server.handle(
        "next",
        (ctx, body) ->
            sequences
                .computeIfAbsent(body.as(String.class), k -> new AtomicLong())
                .incrementAndGet());
  }

  @Override
  public DemoClient client(Invoker client) {
    return new DemoClient() {
      @Override
      public CompletableFuture<String> echo(String text) {
        return client.call("echo").invoke(text, String.class);
      }

      @Override
      public CompletableFuture<Long> add(long a, long b) {
        return client.call("add").invoke(Map.of("a", a, "b", b), Long.class);
      }

      @Override
      public CompletableFuture<Void> fail(String reason) {
        return client.call("fail").invoke(reason).thenApply(v -> null);
      }

      @Override
      public CompletableFuture<Void> slow(long millis, Duration timeout) {
        return client.call("slow").timeout(timeout).invoke(millis).thenApply(v -> null);
      }

      @Override
      public CompletableFuture<Long> next(String key) {
        return client.call("next").orderKey(key).invoke(key, Long.class);
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
