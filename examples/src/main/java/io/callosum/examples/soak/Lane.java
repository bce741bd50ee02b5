package io.callosum.examples.soak;

import io.callosum.ErrorCode;
import io.callosum.Invocation;
import io.callosum.Invoker;
import io.callosum.StreamCall;
import io.callosum.examples.soak.Violations.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One thread of a soak's workload: it makes calls of every kind to one client's server, one
 * operation at a time, and checks each answer. Every call goes through the {@link Ledger}; replies
 * on its ordered key go through {@link ReplyOrder} when the server orders replies.
 *
 * <p>Operations, picked at random with fixed weights: a burst of 1 to 8 unary calls on the lane's
 * ordered key; a call whose handler throws; one that times out; one its caller cancels; a call with
 * 1 to 3 callbacks; a server stream of up to 200 items; a bidirectional stream of up to 50 items; a
 * chunked request (16 to 320 KiB) and a chunked reply. Each operation waits for its calls for at
 * most their timeout plus the ledger's grace; a call still open then is the ledger's to report.
 */
final class Lane implements Runnable {
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(8);
  static final Duration LONG_TIMEOUT = Duration.ofSeconds(20);
  static final Duration GRACE = Duration.ofSeconds(15);

  /**
   * How often each operation is picked, in the order of {@link #run}'s switch: bursts, failing,
   * timing out, cancelled, callbacks, server stream, bidirectional stream, chunked request, chunked
   * reply.
   */
  private static final int[] WEIGHTS = {40, 5, 3, 3, 10, 10, 6, 5, 5};

  private final String name;
  private final Invoker client;
  private final Ledger ledger;
  private final Violations violations;
  private final ReplyOrder order;
  private final Random random;
  private final BooleanSupplier running;
  private final String orderedKey;
  private final String otherKey;
  private long nextId;
  private long nextSeq;

  /**
   * A lane named {@code name} calling through {@code client}; {@code order} is null when the server
   * does not order replies. Runs while {@code running} says so.
   */
  Lane(
      String name,
      Invoker client,
      Ledger ledger,
      Violations violations,
      ReplyOrder order,
      long seed,
      BooleanSupplier running) {
    this.name = name;
    this.client = client;
    this.ledger = ledger;
    this.violations = violations;
    this.order = order;
    this.random = new Random(seed);
    this.running = running;
    this.orderedKey = name + "/ordered";
    this.otherKey = name + "/other";
  }

  @Override
  public void run() {
    int total = Arrays.stream(WEIGHTS).sum();
    try {
      while (running.getAsBoolean()) {
        int pick = random.nextInt(total);
        int op = 0;
        while (pick >= WEIGHTS[op]) {
          pick -= WEIGHTS[op++];
        }
        try {
          switch (op) {
            case 0 -> burst();
            case 1 -> failing();
            case 2 -> timingOut();
            case 3 -> cancelled();
            case 4 -> withCallbacks();
            case 5 -> serverStream();
            case 6 -> bidiStream();
            case 7 -> chunkedRequest();
            default -> chunkedReply();
          }
        } catch (RuntimeException e) {
          // What the library handed back did not have the shape of an answer (or the lane is
          // wrong): report it, and go on with the next operation.
          violations.add(Kind.WRONG_RESULT, name + ": operation " + op + " failed: " + e);
        }
        TimeUnit.MILLISECONDS.sleep(random.nextInt(10));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // stopping
    }
  }

  private void burst() throws InterruptedException {
    int k = 1 + random.nextInt(8);
    List<CompletableFuture<?>> calls = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      long id = nextId++;
      long seq = nextSeq++;
      calls.add(
          unary(
              "unary",
              client.call("work").orderKey(orderedKey).timeout(CALL_TIMEOUT),
              List.of(name, id, seq, random.nextInt(20)),
              CALL_TIMEOUT,
              Set.of(),
              v -> {
                if (!(v instanceof List<?> r
                    && r.size() == 2
                    && SoakService.number(r, 0) == id
                    && SoakService.number(r, 1) == seq)) {
                  return "work " + id + " answered " + v;
                }
                if (order != null) {
                  order.succeeded(orderedKey, seq);
                }
                return null;
              }));
    }
    awaitAll(calls, CALL_TIMEOUT);
  }

  private void failing() throws InterruptedException {
    awaitAll(
        List.of(
            unary(
                "failing",
                client.call("fail").orderKey(otherKey).timeout(CALL_TIMEOUT),
                "x",
                CALL_TIMEOUT,
                Set.of(ErrorCode.REMOTE_USER_ERROR),
                v -> "fail returned " + v)),
        CALL_TIMEOUT);
  }

  private void timingOut() throws InterruptedException {
    Duration timeout = Duration.ofMillis(100 + random.nextInt(200));
    awaitAll(
        List.of(
            unary(
                "timing out",
                client.call("work").orderKey(otherKey).timeout(timeout),
                List.of(name, nextId++, -1, 1_500),
                timeout,
                Set.of(),
                v -> "returned " + v + " before its timeout of " + timeout.toMillis() + " ms")),
        timeout);
  }

  private void cancelled() throws InterruptedException {
    Ledger.Ticket t = ledger.open("cancelled", CALL_TIMEOUT, Set.of());
    CompletableFuture<Object> f =
        invoke(
            () ->
                client
                    .call("work")
                    .orderKey(otherKey)
                    .timeout(CALL_TIMEOUT)
                    .invoke(List.of(name, nextId++, -1, 1_000)));
    var unused = ledger.settleWhenDone(t, f, v -> "returned " + v + " although cancelled");
    TimeUnit.MILLISECONDS.sleep(10 + random.nextInt(90));
    t.cancelling();
    f.cancel(true);
  }

  private void withCallbacks() throws InterruptedException {
    int n = 1 + random.nextInt(3);
    awaitAll(
        List.of(
            unary(
                "with callbacks",
                client.call("callback").orderKey(otherKey).timeout(LONG_TIMEOUT),
                List.of(name, nextId++, n),
                LONG_TIMEOUT,
                SoakService.CALLBACK_ERRORS,
                v ->
                    v instanceof Number r && r.longValue() == n
                        ? null
                        : "callback answered " + v + ", not " + n)),
        LONG_TIMEOUT);
  }

  private void chunkedRequest() throws InterruptedException {
    byte[] bytes = new byte[(16 << 10) + random.nextInt(304 << 10)];
    random.nextBytes(bytes);
    List<Long> expected = SoakService.digest(bytes);
    awaitAll(
        List.of(
            unary(
                "chunked request",
                client.call("digest").orderKey(otherKey).timeout(LONG_TIMEOUT),
                bytes,
                LONG_TIMEOUT,
                Set.of(),
                v ->
                    v instanceof List<?> r
                            && r.size() == 2
                            && SoakService.number(r, 0) == expected.get(0)
                            && SoakService.number(r, 1) == expected.get(1)
                        ? null
                        : "digest " + v + ", not " + expected)),
        LONG_TIMEOUT);
  }

  private void chunkedReply() throws InterruptedException {
    int n = (16 << 10) + random.nextInt(304 << 10);
    long seed = random.nextLong();
    awaitAll(
        List.of(
            unary(
                "chunked reply",
                client.call("blob").orderKey(otherKey).timeout(LONG_TIMEOUT),
                List.of(n, seed),
                LONG_TIMEOUT,
                Set.of(),
                v ->
                    v instanceof byte[] b && Arrays.equals(b, SoakService.blob(n, seed))
                        ? null
                        : "blob of " + n + " bytes came back different")),
        LONG_TIMEOUT);
  }

  private void serverStream() throws InterruptedException {
    long id = nextId++;
    int n = random.nextInt(201);
    Ledger.Ticket t = ledger.open("server stream", LONG_TIMEOUT, Set.of());
    StreamCall call = stream(t, () -> streaming("ticks").serverStream(List.of(id, n)));
    if (call != null) {
      read(call, id).settle(t, call.result(), n);
    }
  }

  private void bidiStream() throws InterruptedException {
    long id = nextId++;
    int n = random.nextInt(51);
    Ledger.Ticket t = ledger.open("bidirectional stream", LONG_TIMEOUT, Set.of());
    StreamCall call = stream(t, () -> streaming("echo").bidiStream(List.of(id)));
    if (call == null) {
      return;
    }
    long sent = 0;
    try {
      while (sent < n && call.upstream().send(List.of(id, sent), LONG_TIMEOUT)) {
        sent++; // no credit in time ends the loop: the call's own timeout ends the call
      }
      call.upstream().complete();
    } catch (RuntimeException e) {
      // the call ended (cancelled, timed out, connection lost): its result says how
    }
    read(call, id).settle(t, call.result(), sent);
  }

  private Invocation streaming(String method) {
    return client.call(method).orderKey(otherKey).timeout(LONG_TIMEOUT);
  }

  /** The stream call {@code open} makes, or null (and {@code t} settled) if it was refused. */
  private static StreamCall stream(Ledger.Ticket t, Supplier<StreamCall> open) {
    try {
      return open.get();
    } catch (RuntimeException e) {
      t.failed(e);
      return null;
    }
  }

  private StreamReading read(StreamCall call, long id) throws InterruptedException {
    return StreamReading.read(call, id, deadline(LONG_TIMEOUT), name + " stream " + id, violations);
  }

  /** Makes one unary call through the ledger; returns the stage that settles its ticket. */
  private CompletableFuture<Object> unary(
      String kind,
      Invocation invocation,
      Object body,
      Duration timeout,
      Set<ErrorCode> expected,
      Function<Object, String> check) {
    Ledger.Ticket t = ledger.open(kind, timeout, expected);
    return ledger.settleWhenDone(t, invoke(() -> invocation.invoke(body)), check);
  }

  /** The call's future; one that could not even be made fails with what refused it. */
  private static CompletableFuture<Object> invoke(Supplier<CompletableFuture<Object>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static long deadline(Duration timeout) {
    return System.nanoTime() + timeout.plus(GRACE).toNanos();
  }

  /**
   * Waits for {@code calls} up to their timeout plus the grace period; the ledger sees the rest.
   */
  private static void awaitAll(List<CompletableFuture<?>> calls, Duration timeout)
      throws InterruptedException {
    long deadline = deadline(timeout);
    for (CompletableFuture<?> f : calls) {
      try {
        f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (ExecutionException | TimeoutException | CancellationException e) {
        // settled (or reported missing) through the ledger
      }
    }
  }
}
