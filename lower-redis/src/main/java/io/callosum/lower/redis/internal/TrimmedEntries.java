package io.callosum.lower.redis.internal;

import io.lettuce.core.StreamMessage;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entries a {@link StreamReader} finds gone from their stream ({@link Entry.Trimmed}): pending
 * entries of its group (delivered, never acknowledged) that the stream was trimmed past ({@code
 * MAXLEN}), or that were deleted, before this consumer read them again (its own, after a restart)
 * or claimed them (another's, or its own after a failed acknowledgement). Nobody sent anything
 * malformed: what they held is lost. The reader acknowledges them with their batch; this logs the
 * loss at WARN, one line per batch and stream with how many ({@link FailureLog}: the first, then at
 * most one line per ten seconds with how many since the last), so that an operator sees that
 * entries were lost to trimming, not that a remote sent junk. On the session's loop.
 */
final class TrimmedEntries {
  private static final Logger LOG = LoggerFactory.getLogger(TrimmedEntries.class);

  private final Session session;
  private final String group;
  private final String consumer;
  private final Map<String, Integer> batch = new LinkedHashMap<>(2);
  private final FailureLog losses = new FailureLog(LOG, "entries", () -> false);

  TrimmedEntries(Session session, String group, String consumer) {
    this.session = session;
    this.group = group;
    this.consumer = consumer;
  }

  /** {@code m} has no fields: counted for the next {@link #report()}. */
  void add(StreamMessage<String, byte[]> m) {
    batch.merge(m.getStream(), 1, Integer::sum);
  }

  /** Logs what was added since the last call, per stream. */
  void report() {
    for (Map.Entry<String, Integer> e : batch.entrySet()) {
      String stream = e.getKey();
      int n = e.getValue();
      losses.lost(
          n,
          () ->
              session.address()
                  + ": "
                  + n
                  + " entries of "
                  + stream
                  + " delivered in group "
                  + group
                  + " and never acknowledged were trimmed from the stream (MAXLEN) or deleted"
                  + " before consumer "
                  + consumer
                  + " could hand them over: lost, and acknowledged");
    }
    batch.clear();
  }
}
