package io.callosum.lower.redis.internal;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts and logs the entries a transport's endpoints drop as malformed: every drop is counted, the
 * first ones are logged each, then one line per ten seconds says how many more there were, so that
 * a remote filling a stream with junk cannot fill the log. Thread-safe.
 */
public final class Drops {
  private static final Logger LOG = LoggerFactory.getLogger(Drops.class);
  private static final int LOGGED_EACH = 20;
  private static final long SUMMARY_NANOS = 10_000_000_000L;

  private final AtomicLong total = new AtomicLong();
  private long sinceSummary;
  private long summaryAt;

  /** One entry of {@code stream} at {@code where} dropped for {@code reason}. */
  public void drop(Object where, String stream, String reason) {
    long n = total.incrementAndGet();
    if (n <= LOGGED_EACH) {
      LOG.warn("{}: dropped an entry of {}: {}", where, stream, reason);
      return;
    }
    long now = System.nanoTime();
    String line = null;
    synchronized (this) {
      sinceSummary++;
      if (now - summaryAt >= SUMMARY_NANOS) {
        line =
            sinceSummary
                + " more malformed entries dropped, the latest of "
                + stream
                + ": "
                + reason;
        sinceSummary = 0;
        summaryAt = now;
      }
    }
    if (line != null) {
      LOG.warn("{}: {}", where, line);
    }
  }

  /** Entries dropped so far. */
  public long total() {
    return total.get();
  }
}
