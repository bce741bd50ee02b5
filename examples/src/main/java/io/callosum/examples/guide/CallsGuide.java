package io.callosum.examples.guide;

import io.callosum.BoundPeer;
import io.callosum.CallContext;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The snippets of the user guide's section "Calls and callbacks" (docs/GUIDE.md): plain and typed
 * calls, call options, callbacks to the caller, and cancellation.
 */
final class CallsGuide {
  private CallsGuide() {}

  // guide:records
  /** A msgpack map {@code {name, age}} on the wire. */
  public record Person(String name, int age) {}

  /** A msgpack map {@code {text, tags}}. */
  public record Greeting(String text, List<String> tags) {}

  // end guide:records

  /** A server at {@code address} with the handlers of this section; started. */
  static BoundPeer server(String address) {
    BoundPeer server = Peer.builder().bind(address).build();
    // guide:handlers
    server.handle(
        "add",
        (ctx, body) -> {
          Map<?, ?> args = (Map<?, ?>) body.value(); // msgpack's generic form: maps, lists, ...
          return ((Number) args.get("a")).longValue() + ((Number) args.get("b")).longValue();
        });
    server.handle(
        "greet",
        Person.class, // the body decoded as a record
        (ctx, person) -> new Greeting("hello " + person.name(), List.of("friendly")));
    // end guide:handlers
    server.handle("deposit", (ctx, body) -> 100 + ((Number) body.value()).longValue());
    return server.start();
  }

  /** Plain and typed calls to {@link #server}; returns the four results. */
  static List<Object> calls(ConnectedPeer client) {
    // guide:invoke
    CompletableFuture<Object> sum = client.invoke("add", Map.of("a", 40, "b", 2));
    Object generic = sum.join(); // 42, an Integer: small integers decode as Integer

    long typed = client.invoke("add", Map.of("a", 40, "b", 2), Long.class).join(); // 42L

    Greeting greeting = client.invoke("greet", new Person("Ann", 30), Greeting.class).join();

    Greeting blocking = client.invokeAndWait("greet", new Person("Bob", 40), Greeting.class);
    // end guide:invoke
    return List.of(generic, typed, greeting, blocking);
  }

  /** A call with every per-call option; returns its result, 150. */
  static long callOptions(ConnectedPeer client) {
    // guide:callOptions
    CompletableFuture<Long> balance =
        client
            .call("deposit")
            .orderKey("account-17") // ordered with the other calls of this key (see Ordering)
            .timeout(Duration.ofSeconds(2)) // then CallTimeoutException; the handler is cancelled
            .compress(true) // snappy-compresses the body
            .invoke(50, Long.class);
    // end guide:callOptions
    return balance.join();
  }

  /**
   * A server whose handlers call their caller back, and a client that answers; returns the two
   * results, "paid" and "refused".
   */
  static List<Object> callbacks() {
    try (BoundPeer server = Peer.builder().bind("inproc://shop").build()) {
      // guide:callbacks
      server.handle(
          "pay",
          (ctx, body) -> {
            // a callback: the server calls the client that is calling it
            boolean ok = ctx.caller().invokeAndWait("confirm", body.value(), Boolean.class);
            return ok ? "paid" : "refused";
          });
      server.handle(
          "payLater",
          (ctx, body) -> {
            // an asynchronous handler returns a CompletionStage; its value is the result
            CompletionStage<String> answer =
                ctx.caller()
                    .invoke("confirm", body.value(), Boolean.class)
                    .thenApply(ok -> ok ? "paid" : "refused");
            return answer;
          });
      server.start();

      try (ConnectedPeer client = Peer.builder().connect("inproc://shop").build()) {
        client.handle("confirm", (ctx, body) -> ((Number) body.value()).intValue() <= 100);
        client.start();
        Object small = client.invoke("pay", 20).join(); // "paid"
        Object big = client.invoke("payLater", 5000).join(); // "refused"
        return List.of(small, big);
      }
      // end guide:callbacks
    }
  }

  /**
   * A call cancelled while its handler runs; returns once the handler's cancel action has run
   * (true) or 10 s have passed (false).
   */
  static boolean cancel(ConnectedPeer client, BoundPeer server) throws InterruptedException {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    // guide:cancelHandler
    server.handle(
        "report",
        (ctx, body) -> {
          ctx.onCancel(cancelled::countDown); // runs on cancel, on the callback executor
          started.countDown(); // (lets this example cancel once the handler runs)
          return buildReport(ctx); // blocking work: its thread is interrupted on cancel
        });
    CompletableFuture<Object> report = client.invoke("report", "2025");
    // end guide:cancelHandler
    if (!started.await(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the handler of report did not start within 10 s");
    }
    // guide:cancelCall
    report.cancel(true); // sends CANCEL: the handler is interrupted, its onCancel actions run
    // end guide:cancelCall
    return cancelled.await(10, TimeUnit.SECONDS);
  }

  /** Work that takes until its call is cancelled. */
  private static String buildReport(CallContext ctx) throws InterruptedException {
    new CountDownLatch(1).await();
    return "never: " + ctx.method();
  }
}
