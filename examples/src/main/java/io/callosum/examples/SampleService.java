package io.callosum.examples;

import io.callosum.Body;
import io.callosum.CallContext;
import io.callosum.Peer;
import java.math.BigInteger;
import java.util.Map;

/**
 * The methods that {@code callosum serve} offers, for trying a lower or a client from the shell:
 *
 * <ul>
 *   <li>{@code echo}: returns its argument unchanged.
 *   <li>{@code add}: {@code {a, b}} to {@code {result: a + b}}; integers stay integers, and the sum
 *       is a float if either operand is one.
 *   <li>{@code fail}: throws {@link IllegalStateException} with the argument as message, so the
 *       caller sees a remote error.
 *   <li>{@code sleep}: {@code {s: seconds}} sleeps that long and returns {@code "done"}; the sleep
 *       ends early when the call is cancelled (its thread is interrupted).
 * </ul>
 *
 * <p>Handlers are stateless and run on the peer's handler executor.
 */
final class SampleService {
  private SampleService() {}

  /** Registers every method on {@code peer}. */
  static void registerOn(Peer peer) {
    peer.handle("echo", (ctx, body) -> body.value());
    peer.handle("add", (ctx, body) -> add(body));
    peer.handle("fail", (ctx, body) -> fail(body));
    peer.handle("sleep", SampleService::sleep);
  }

  static Map<String, Object> add(Body body) {
    Map<?, ?> args = arguments(body);
    Number a = number(args, "a");
    Number b = number(args, "b");
    if (a instanceof Float || a instanceof Double || b instanceof Float || b instanceof Double) {
      return Map.of("result", a.doubleValue() + b.doubleValue());
    }
    BigInteger sum = integer(a).add(integer(b));
    return Map.of("result", sum.bitLength() < Long.SIZE ? (Object) sum.longValueExact() : sum);
  }

  static Object fail(Body body) {
    Object message = body.value();
    throw new IllegalStateException(message == null ? "fail was called" : String.valueOf(message));
  }

  /**
   * Sleeps {@code {s: seconds}}; an interrupt (the call was cancelled) ends it with {@link
   * InterruptedException}.
   */
  static String sleep(CallContext ctx, Body body) throws InterruptedException {
    double seconds = number(arguments(body), "s").doubleValue();
    if (!(seconds >= 0 && seconds <= Long.MAX_VALUE / 1000.0)) {
      throw new IllegalArgumentException("s must be a number of seconds >= 0, was " + seconds);
    }
    Thread.sleep(Math.round(seconds * 1000));
    return "done";
  }

  private static Map<?, ?> arguments(Body body) {
    Object value = body.value();
    if (!(value instanceof Map)) {
      throw new IllegalArgumentException("expected a map argument, got " + Json.write(value));
    }
    return (Map<?, ?>) value;
  }

  private static Number number(Map<?, ?> args, String name) {
    Object v = args.get(name);
    if (!(v instanceof Number number)) {
      throw new IllegalArgumentException(name + " must be a number, got " + Json.write(v));
    }
    return number;
  }

  private static BigInteger integer(Number n) {
    return n instanceof BigInteger bigInteger ? bigInteger : BigInteger.valueOf(n.longValue());
  }
}
