package io.callosum.examples.soak;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * The faults of one soak, in order of time: a pure function of the seed, the duration and the names
 * of what can be hit, so that a run is repeated by giving its seed again. Faults come every 1 to 3
 * s; the kinds are dealt in rounds (each round every kind once, in a shuffled order), so that even
 * a short run sees every kind. Network faults hit a proxy ({@code links}); restarts hit a server or
 * gateway ({@code restartables}).
 */
public final class FaultPlan {
  /** What a fault does. */
  public enum Kind {
    /** {@code amount} ms of latency on a proxy for {@code length}. */
    LATENCY,
    /** a cap of {@code amount} bytes per second on a proxy for {@code length}. */
    BANDWIDTH,
    /** nothing moves through a proxy for {@code length}. */
    STALL,
    /** every connection through a proxy is reset. */
    RESET,
    /**
     * every connection through a proxy is reset on one side (server if {@code amount} is 0, client
     * if 1) and left silent on the other for {@code length}.
     */
    HALF_OPEN,
    /** a server or gateway is closed, and started again after {@code length}. */
    RESTART
  }

  /** One fault: when (from the start of the run), what, on which target, for how long, how much. */
  public record Fault(Duration at, Kind kind, String target, Duration length, long amount) {
    @Override
    public String toString() {
      String what =
          switch (kind) {
            case LATENCY -> amount + " ms latency for " + millis(length);
            case BANDWIDTH -> amount + " B/s for " + millis(length);
            case STALL -> "stall for " + millis(length);
            case RESET -> "reset";
            case HALF_OPEN ->
                "half-open (" + (amount == 0 ? "server" : "client") + " reset) " + millis(length);
            case RESTART -> "restart after " + millis(length);
          };
      return String.format(Locale.ROOT, "%8.1fs %-10s %s", at.toMillis() / 1000.0, target, what);
    }

    private static String millis(Duration d) {
      return d.toMillis() + " ms";
    }
  }

  private static final long FIRST_MILLIS = 2_000;
  private static final long MIN_GAP_MILLIS = 1_000;
  private static final long MAX_GAP_MILLIS = 3_000;

  private final List<Fault> faults;

  private FaultPlan(List<Fault> faults) {
    this.faults = List.copyOf(faults);
  }

  /**
   * The plan for a run of {@code duration} with {@code seed}, over the proxies named {@code links}
   * and the servers and gateways named {@code restartables}.
   */
  public static FaultPlan make(
      long seed, Duration duration, List<String> links, List<String> restartables) {
    Random random = new Random(seed);
    List<Kind> kinds = new ArrayList<>();
    for (Kind k : Kind.values()) {
      if (k == Kind.RESTART ? !restartables.isEmpty() : !links.isEmpty()) {
        kinds.add(k);
      }
    }
    List<Fault> faults = new ArrayList<>();
    List<Kind> round = new ArrayList<>();
    for (long at = FIRST_MILLIS;
        at < duration.toMillis() && !kinds.isEmpty();
        at += between(random, MIN_GAP_MILLIS, MAX_GAP_MILLIS)) {
      if (round.isEmpty()) {
        round.addAll(kinds);
        Collections.shuffle(round, random);
      }
      Kind kind = round.remove(round.size() - 1);
      List<String> targets = kind == Kind.RESTART ? restartables : links;
      String target = targets.get(random.nextInt(targets.size()));
      faults.add(fault(random, Duration.ofMillis(at), kind, target));
    }
    return new FaultPlan(faults);
  }

  private static Fault fault(Random random, Duration at, Kind kind, String target) {
    return switch (kind) {
      case LATENCY ->
          new Fault(at, kind, target, ms(between(random, 2_000, 8_000)), between(random, 5, 150));
      case BANDWIDTH ->
          new Fault(
              at,
              kind,
              target,
              ms(between(random, 2_000, 8_000)),
              // log-uniform from 32 KiB/s to 2 MiB/s
              Math.round(Math.pow(2, 15 + random.nextDouble() * 6)));
      case STALL -> new Fault(at, kind, target, ms(between(random, 200, 7_000)), 0);
      case RESET -> new Fault(at, kind, target, Duration.ZERO, 0);
      case HALF_OPEN ->
          new Fault(at, kind, target, ms(between(random, 1_000, 8_000)), random.nextInt(2));
      case RESTART -> new Fault(at, kind, target, ms(between(random, 100, 2_000)), 0);
    };
  }

  private static long between(Random random, long min, long max) {
    return min + (long) (random.nextDouble() * (max - min));
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  /** The faults in order of time. */
  public List<Fault> faults() {
    return faults;
  }

  /** A short checksum of the whole plan: equal plans print equal fingerprints. */
  public String fingerprint() {
    CRC32 crc = new CRC32();
    for (Fault f : faults) {
      crc.update(f.toString().getBytes(StandardCharsets.UTF_8));
    }
    return String.format(Locale.ROOT, "%08x", crc.getValue());
  }
}
