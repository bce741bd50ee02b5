package io.callosum.examples.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.examples.soak.FaultPlan.Fault;
import io.callosum.examples.soak.FaultPlan.Kind;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A soak's fault plan follows from its seed alone, and deals every kind of fault. */
class FaultPlanTest {
  private static final List<String> LINKS = List.of("tcp-none", "zmq-none", "gw-link");
  private static final List<String> SERVERS = List.of("tcp-none", "gateway-A");

  @Test
  void theSameSeedMakesTheSamePlan() {
    FaultPlan a = FaultPlan.make(42, Duration.ofMinutes(5), LINKS, SERVERS);
    FaultPlan b = FaultPlan.make(42, Duration.ofMinutes(5), LINKS, SERVERS);
    FaultPlan c = FaultPlan.make(43, Duration.ofMinutes(5), LINKS, SERVERS);
    assertEquals(a.faults(), b.faults());
    assertEquals(a.fingerprint(), b.fingerprint());
    assertNotEquals(a.faults(), c.faults());
    assertNotEquals(a.fingerprint(), c.fingerprint());
  }

  @Test
  void everyRoundDealsEveryKindOnce() {
    List<Fault> faults = FaultPlan.make(7, Duration.ofMinutes(10), LINKS, SERVERS).faults();
    int kinds = Kind.values().length;
    for (int round = 0; round + kinds <= faults.size(); round += kinds) {
      Set<Kind> dealt =
          faults.subList(round, round + kinds).stream()
              .map(Fault::kind)
              .collect(Collectors.toSet());
      assertEquals(EnumSet.allOf(Kind.class), dealt, "round at fault " + round);
    }
  }

  @Test
  void faultsComeEveryOneToThreeSecondsWithinTheRun() {
    Duration run = Duration.ofMinutes(3);
    List<Fault> faults = FaultPlan.make(1, run, LINKS, SERVERS).faults();
    assertEquals(Duration.ofSeconds(2), faults.get(0).at());
    for (int i = 1; i < faults.size(); i++) {
      long gap = faults.get(i).at().minus(faults.get(i - 1).at()).toMillis();
      assertTrue(gap >= 1_000 && gap < 3_000, "gap " + gap + " ms before fault " + i);
    }
    assertTrue(faults.get(faults.size() - 1).at().compareTo(run) < 0);
    assertTrue(faults.size() >= 60 && faults.size() <= 180, faults.size() + " faults");
  }

  @Test
  void faultsHitTargetsOfTheirKindWithinTheirRanges() {
    for (Fault f : FaultPlan.make(3, Duration.ofMinutes(30), LINKS, SERVERS).faults()) {
      long ms = f.length().toMillis();
      switch (f.kind()) {
        case RESTART ->
            assertTrue(SERVERS.contains(f.target()) && ms >= 100 && ms < 2_000, f::toString);
        case LATENCY ->
            assertTrue(
                f.amount() >= 5 && f.amount() < 150 && ms >= 2_000 && ms < 8_000, f::toString);
        case BANDWIDTH -> assertTrue(f.amount() >= 32 << 10 && f.amount() <= 2 << 20, f::toString);
        case STALL -> assertTrue(ms >= 200 && ms < 7_000, f::toString);
        case HALF_OPEN ->
            assertTrue((f.amount() == 0 || f.amount() == 1) && ms >= 1_000, f::toString);
        case RESET -> assertEquals(Duration.ZERO, f.length());
      }
      if (f.kind() != Kind.RESTART) {
        assertTrue(LINKS.contains(f.target()), f::toString);
      }
    }
  }

  @Test
  void withNothingToRestartThereAreOnlyNetworkFaults() {
    List<Fault> faults = FaultPlan.make(5, Duration.ofMinutes(2), LINKS, List.of()).faults();
    assertTrue(faults.stream().noneMatch(f -> f.kind() == Kind.RESTART));
    assertEquals(
        EnumSet.complementOf(EnumSet.of(Kind.RESTART)),
        faults.stream()
            .map(Fault::kind)
            .collect(Collectors.toCollection(() -> EnumSet.noneOf(Kind.class))));
  }
}
