package io.callosum.lower.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RefusalLogTest {
  private static final long MS = 1_000_000;

  @Test
  void theFirstRefusalsAreLoggedThenOneCountPerInterval() {
    RefusalLog log = new RefusalLog(1_000 * MS);
    for (int i = 0; i < RefusalLog.FIRST - 1; i++) {
      assertEquals("refused " + i, log.admit("refused " + i, i * MS));
    }
    assertTrue(
        log.admit("refused 4", 4 * MS)
            .startsWith(
                "refused 4 (further refusals from this connection are logged as a count"
                    + " every 1000 ms)"));
    for (int i = 0; i < 10_000; i++) {
      assertNull(
          log.admit("refused again " + i, (5 + i / 100) * MS),
          "within the interval nothing is logged");
    }
    String summary = log.admit("the last", 1_004 * MS);
    assertEquals("10001 more refusals in the last 1000 ms (latest: the last)", summary);
    assertNull(log.admit("next", 1_005 * MS));
    assertNull(log.admit("next again", 1_006 * MS));
    String rest = log.flush(1_500 * MS);
    assertEquals("2 more refusals in the last 496 ms (latest: next again)", rest);
    assertNull(log.flush(1_600 * MS), "nothing left to report");
  }

  @Test
  void aConnectionWithFewRefusalsHasNothingToFlush() {
    RefusalLog log = new RefusalLog(1_000 * MS);
    assertNotNull(log.admit("one", 0));
    assertNull(log.flush(5));
  }
}
