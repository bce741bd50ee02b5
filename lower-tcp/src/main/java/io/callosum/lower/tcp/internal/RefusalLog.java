package io.callosum.lower.tcp.internal;

/**
 * Rate limit of refusal lines (of one gateway connection, or of a transport's handshakes): the
 * first {@link #FIRST} refusals are logged one by one, later ones are counted and summed up in one
 * line per interval (with the latest reason), so that a remote sending refused requests in a loop
 * cannot flood the log. The caller counts every refusal itself (for the status); this only decides
 * what to log. Loop thread only.
 */
public final class RefusalLog {
  /** Refusals logged one by one on each connection. */
  public static final int FIRST = 5;

  private final long interval;
  private final String further;
  private int logged;
  private long suppressed;
  private long since;
  private String latest;

  /** {@code intervalNanos}: at most one summary line per this interval after the first refusals. */
  public RefusalLog(long intervalNanos) {
    this(intervalNanos, "further refusals from this connection");
  }

  /**
   * {@code further} names what the later lines count, e.g. "further refusals from this connection".
   */
  public RefusalLog(long intervalNanos, String further) {
    this.interval = intervalNanos;
    this.further = further;
  }

  /**
   * The line to log for refusal {@code what} at {@code now} (nanoTime), or null to log nothing now.
   */
  public String admit(String what, long now) {
    if (logged < FIRST) {
      if (++logged == FIRST) {
        since = now;
        return what
            + " ("
            + further
            + " are logged as a count every "
            + interval / 1_000_000
            + " ms)";
      }
      return what;
    }
    suppressed++;
    latest = what;
    return now - since >= interval ? summary(now) : null;
  }

  /**
   * The summary of refusals counted and not logged yet (when the connection ends), or null if none.
   */
  public String flush(long now) {
    return suppressed == 0 ? null : summary(now);
  }

  private String summary(long now) {
    String line =
        suppressed
            + " more refusals in the last "
            + (now - since) / 1_000_000
            + " ms (latest: "
            + latest
            + ")";
    suppressed = 0;
    since = now;
    return line;
  }
}
