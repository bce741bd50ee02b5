package io.callosum.examples.soak;

import io.callosum.Body;
import io.callosum.CallContext;
import io.callosum.ErrorCode;
import io.callosum.Ordering;
import io.callosum.Peer;
import io.callosum.StreamSink;
import io.callosum.StreamSource;
import io.callosum.examples.soak.Violations.Kind;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.CRC32;

/**
 * The methods a soak server offers, each checking what a server can see:
 *
 * <ul>
 *   <li>{@code work [caller, id, seq, delayMs]}: sleeps, returns {@code [id, seq]}; each {@code
 *       (caller, id)} must run once ({@link RunOnce}), and under {@code KEY_SERIALIZED} alone on
 *       its key ({@link SerialGate}).
 *   <li>{@code fail}: throws, for the error path.
 *   <li>{@code callback [caller, id, n]}: calls the caller's {@code cb [id, j]} {@code n} times
 *       (each call in the {@link Ledger} and checked: {@code 31 id + j}), returns {@code n}.
 *   <li>{@code digest bytes}: returns {@code [length, CRC-32]} (chunked requests).
 *   <li>{@code blob [n, seed]}: returns {@link #blob n bytes} made from the seed (chunked replies).
 *   <li>stream {@code ticks [id, n]}: sends {@code [id, 0]} ... {@code [id, n - 1]} downstream,
 *       returns {@code n}.
 *   <li>stream {@code echo [id]}: sends every upstream item back, checking that they come numbered
 *       from 0; returns the count.
 * </ul>
 *
 * <p>One instance serves one server peer (a restarted server gets a fresh one, so that handlers of
 * the closed peer still winding down are not taken for overlapping runs); the {@link RunOnce} and
 * the ledger outlive it. Handlers run on the peer's handler threads.
 */
final class SoakService {
  /** How long a server waits for one callback. */
  static final Duration CALLBACK_TIMEOUT = Duration.ofSeconds(4);

  private final String site;
  private final Ledger ledger;
  private final Violations violations;
  private final RunOnce runOnce;
  private final SerialGate gate;

  SoakService(
      String site, Ordering ordering, Ledger ledger, Violations violations, RunOnce runOnce) {
    this.site = site;
    this.ledger = ledger;
    this.violations = violations;
    this.runOnce = runOnce;
    this.gate = ordering == Ordering.KEY_SERIALIZED ? new SerialGate(site, violations) : null;
  }

  /** Registers every method on {@code peer} (before it starts). */
  void registerOn(Peer peer) {
    peer.handle("work", this::work);
    peer.handle(
        "fail",
        (ctx, body) -> {
          throw new IllegalStateException("failing on purpose");
        });
    peer.handle("callback", this::callback);
    peer.handle("digest", (ctx, body) -> digest((byte[]) body.value()));
    peer.handle(
        "blob",
        (ctx, body) -> {
          List<?> a = (List<?>) body.value();
          return blob(number(a, 0), number(a, 1));
        });
    peer.handleStream("ticks", (ctx, arg, up, down) -> ticks(arg, down));
    peer.handleStream("echo", this::echo);
  }

  private Object work(CallContext ctx, Body body) throws InterruptedException {
    List<?> a = (List<?>) body.value();
    runOnce.started((String) a.get(0), number(a, 1));
    if (gate != null) {
      gate.enter(ctx.orderKey());
    }
    try {
      TimeUnit.MILLISECONDS.sleep(number(a, 3));
    } finally {
      if (gate != null) {
        gate.exit(ctx.orderKey());
      }
    }
    return List.of(a.get(1), a.get(2));
  }

  private Object callback(CallContext ctx, Body body) throws Exception {
    List<?> a = (List<?>) body.value();
    long id = number(a, 1);
    runOnce.started((String) a.get(0), id);
    long n = number(a, 2);
    for (long j = 0; j < n; j++) {
      long expected = 31 * id + j;
      Ledger.Ticket t = ledger.open("callback to client", CALLBACK_TIMEOUT, Set.of());
      CompletableFuture<Object> f;
      try {
        f = ctx.caller().call("cb").timeout(CALLBACK_TIMEOUT).invoke(List.of(id, j));
      } catch (RuntimeException e) {
        t.failed(e);
        throw e;
      }
      f =
          ledger.settleWhenDone(
              t,
              f,
              v ->
                  v instanceof Number r && r.longValue() == expected
                      ? null
                      : "cb answered " + v + ", not " + expected);
      try {
        f.get(CALLBACK_TIMEOUT.toMillis() + 2_000, TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        throw new IllegalStateException("callback failed: " + e.getCause(), e.getCause());
      } catch (TimeoutException e) {
        // The ledger reports the callback as missing; the caller gets this failure.
        throw new IllegalStateException("callback " + j + " did not complete", e);
      }
    }
    return n;
  }

  private static Object ticks(Body arg, StreamSink down) throws InterruptedException {
    List<?> a = (List<?>) arg.value();
    long id = number(a, 0);
    long n = number(a, 1);
    for (long j = 0; j < n; j++) {
      down.send(List.of(id, j));
    }
    return n;
  }

  private Object echo(CallContext ctx, Body arg, StreamSource up, StreamSink down)
      throws InterruptedException {
    long id = number((List<?>) arg.value(), 0);
    long count = 0;
    for (Body b; (b = up.take()) != null; count++) {
      List<?> item = (List<?>) b.value();
      if (number(item, 0) != id || number(item, 1) != count) {
        violations.add(
            Kind.STREAM,
            site + ": echo " + id + " got item " + item + " where " + count + " was due");
      }
      down.send(item);
    }
    return count;
  }

  /** {@code [length, CRC-32]} of {@code bytes}. */
  static List<Long> digest(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return List.of((long) bytes.length, crc.getValue());
  }

  /** {@code n} bytes made from {@code seed}: what {@code blob [n, seed]} returns. */
  static byte[] blob(long n, long seed) {
    byte[] b = new byte[(int) n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** The errors a client may see from {@code callback} beyond network faults. */
  static final Set<ErrorCode> CALLBACK_ERRORS = Set.of(ErrorCode.REMOTE_USER_ERROR);

  static long number(List<?> a, int i) {
    return ((Number) a.get(i)).longValue();
  }
}
