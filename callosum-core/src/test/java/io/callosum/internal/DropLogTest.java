package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * What remotes send that a peer drops is logged at a bounded rate, and their text cannot break or
 * forge a log line.
 */
class DropLogTest {
  /** A logger that keeps what it was given, formatted. */
  private static final class Recording extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;
    final List<String> lines = new ArrayList<>();

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
        Level level, Marker marker, String format, Object[] args, Throwable t) {
      lines.add(level + " " + MessageFormatter.basicArrayFormat(format, args));
    }

    @Override
    public boolean isTraceEnabled() {
      return true;
    }

    @Override
    public boolean isDebugEnabled() {
      return true;
    }

    @Override
    public boolean isInfoEnabled() {
      return true;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }
  }

  @Test
  void aFloodIsCutToABurstThenOneLineASecond_sayingHowManyWereLeftOut() {
    Recording log = new Recording();
    AtomicLong now = new AtomicLong();
    DropLog drops = new DropLog(log, now::get);
    for (int i = 0; i < 10_000; i++) {
      drops.warn("{}: bad request from {}", "server", "remote-" + i);
    }
    assertEquals(DropLog.BURST, log.lines.size(), "a burst, then nothing");
    now.addAndGet(DropLog.REFILL_NANOS);
    drops.warn("{}: bad request from {}", "server", "remote-x");
    drops.warn("{}: bad request from {}", "server", "remote-y");
    assertEquals(DropLog.BURST + 1, log.lines.size(), "one line a second");
    assertEquals(
        "WARN server: bad request from remote-x ("
            + (10_000 - DropLog.BURST)
            + " similar lines left out before this one)",
        log.lines.get(DropLog.BURST));
    now.addAndGet(3600 * DropLog.REFILL_NANOS);
    for (int i = 0; i < 2 * DropLog.BURST; i++) {
      drops.info("{} called unknown method {}", "remote", "m");
    }
    assertEquals(2 * DropLog.BURST + 1, log.lines.size(), "an hour later a burst again, no more");
  }

  @Test
  void remoteTextCannotBreakOrForgeALine() {
    Recording log = new Recording();
    DropLog drops = new DropLog(log, () -> 0);
    drops.warn(
        "{}: {} called unknown method {}",
        "server",
        "remote-1",
        "echo\nWARN server: admin logged in\r\u001b[31m\u202eevil");
    String line = log.lines.get(0);
    assertEquals(
        "WARN server: remote-1 called unknown method echo\\nWARN server: admin logged in\\r"
            + "\\u001b[31m\\u202eevil",
        line);
    assertTrue(line.lines().count() == 1);
  }

  @Test
  void longTextIsCut_andNumbersAndPlainTextPassAsTheyAre() {
    assertEquals("echo", DropLog.text("echo"));
    assertEquals("métho∂", DropLog.text("métho∂"));
    String cut = DropLog.text("x".repeat(DropLog.MAX_TEXT + 50));
    assertEquals("x".repeat(DropLog.MAX_TEXT) + "... (50 more characters)", cut);
    Recording log = new Recording();
    new DropLog(log, () -> 0).warn("{} of {} bytes", "message", 1_000_000L);
    assertEquals("WARN message of 1000000 bytes", log.lines.get(0));
  }
}
