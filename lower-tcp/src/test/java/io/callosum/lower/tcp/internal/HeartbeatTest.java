package io.callosum.lower.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.callosum.lower.tcp.internal.Heartbeat.Kind;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The heartbeat's rules alone, on times given by hand. */
class HeartbeatTest {
  private static final long MS = 1_000_000;
  private static final long NOW = 1_000_000 * MS;

  private final Heartbeat heartbeat =
      new Heartbeat("peer-1", Duration.ofMillis(100), Duration.ofMillis(500));

  @Test
  void withinTheIntervalNothingHappens() {
    Heartbeat.Verdict v = heartbeat.check(NOW, NOW - 50 * MS, 100 * MS, false);
    assertEquals(Kind.NONE, v.kind());
    assertNull(v.why());
    assertEquals(Kind.NONE, heartbeat.check(NOW, NOW - 500 * MS, 500 * MS, true).kind());
  }

  @Test
  void nothingWrittenForTheIntervalSendsAPingUnlessOutputWaits() {
    assertEquals(Kind.PING, heartbeat.check(NOW, NOW, 100 * MS + 1, false).kind());
    assertEquals(Kind.NONE, heartbeat.check(NOW, NOW, 100 * MS + 1, true).kind());
  }

  @Test
  void nothingReadForTheTimeoutIsALostConnection() {
    Heartbeat.Verdict v = heartbeat.check(NOW, NOW - 500 * MS - 1, 0, false);
    assertEquals(Kind.LOST, v.kind());
    assertEquals("no data or heartbeat from peer-1 for 500 ms (timeout 500 ms)", v.why());
    assertEquals(Kind.LOST, heartbeat.check(NOW, NOW - 800 * MS, 200 * MS, false).kind());
  }

  @Test
  void outputWaitingForTheTimeoutMeansTheRemoteDoesNotReadBeforeAnythingElse() {
    Heartbeat.Verdict v = heartbeat.check(NOW, NOW - 900 * MS, 700 * MS, true);
    assertEquals(Kind.NOT_READING, v.kind());
    assertEquals(
        "peer-1 has taken none of our data for 700 ms (timeout 500 ms): it does not read", v.why());
    assertEquals(Kind.PING, heartbeat.check(NOW, NOW, 700 * MS, false).kind(), "nothing waits");
  }
}
