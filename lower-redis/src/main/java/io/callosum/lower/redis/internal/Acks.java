package io.callosum.lower.redis.internal;

import io.lettuce.core.StreamMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acknowledges what a {@link StreamReader} has handed over, one {@code XACK} per stream and read
 * batch (with the ids of every entry of the batch taken), never one per entry: a reader takes
 * {@code readCount} entries at a time, and one command per entry put as many commands on the
 * session's writer as entries were read — a fan-out of 16 receivers reading 100,000 items each
 * queued 1.6 million, which fell behind Lettuce's command timeout and failed. An acknowledgement
 * that fails (a timeout, a lost connection) leaves its entries pending; they are counted and logged
 * ({@link FailureLog}: the first, then at most one line per ten seconds, with how many since the
 * last), and the reader's claims deliver them again after {@code claimIdle} (with {@code claimIdle}
 * 0 only a consumer of the same name starting again does). Used on the session's loop only (the
 * logging of a failure may run on a Lettuce thread).
 */
final class Acks {
  private static final Logger LOG = LoggerFactory.getLogger(Acks.class);

  private final Session session;
  private final String group;
  private final Map<String, List<String>> taken = new LinkedHashMap<>(2);
  private final FailureLog failures;

  Acks(Session session, String group) {
    this.session = session;
    this.group = group;
    this.failures = new FailureLog(LOG, "entries", session::isClosed);
  }

  /** {@code m} was handed over (or dropped): to be acknowledged with its batch. On the loop. */
  void add(StreamMessage<String, byte[]> m) {
    taken.computeIfAbsent(m.getStream(), s -> new ArrayList<>()).add(m.getId());
  }

  /**
   * Acknowledges what was added since the last call: one {@code XACK} per stream. Nothing is sent
   * while the session is down or closed (the entries stay pending: claimed again later, which is at
   * least once). On the loop.
   */
  void send() {
    if (taken.isEmpty()) {
      return;
    }
    if (session.isDown() || session.isClosed()) {
      taken.clear();
      return;
    }
    for (Map.Entry<String, List<String>> e : taken.entrySet()) {
      String stream = e.getKey();
      String[] ids = e.getValue().toArray(String[]::new);
      try {
        session
            .commands()
            .xack(stream, group, ids)
            .whenComplete(
                (n, err) -> {
                  if (err != null) {
                    failed(stream, ids.length, err);
                  }
                });
      } catch (RuntimeException err) {
        failed(stream, ids.length, err);
      }
    }
    taken.clear();
  }

  private void failed(String stream, int entries, Throwable err) {
    failures.failed(
        entries,
        () ->
            session.address()
                + ": could not acknowledge "
                + entries
                + " entries of "
                + stream
                + " in group "
                + group
                + (session.options().claimIdle().isZero()
                    ? "; they stay pending until a consumer of this name starts again (claimIdle"
                        + " is 0: nothing is claimed)"
                    : "; they stay pending and are delivered again after claimIdle"),
        err);
  }
}
