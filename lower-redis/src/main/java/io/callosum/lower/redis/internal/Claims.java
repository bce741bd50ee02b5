package io.callosum.lower.redis.internal;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XPendingArgs;
import io.lettuce.core.models.stream.PendingMessage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link StreamReader}'s claims, one round every {@code claimIdle / 2}: it keeps the entries the
 * reader holds (read, waiting for room in the sink) from being claimed by others ({@code XCLAIM} of
 * their ids resets their idle time); it takes the entries of its group pending longer than {@code
 * claimIdle} ({@code XPENDING ... IDLE} says whose they are, then {@code XCLAIM ... min-idle-time}
 * takes them, so that one another consumer claimed meanwhile stays its); and it forgets consumers
 * that hold nothing and have been idle for {@code 2 × claimIdle}. An entry of another consumer is
 * taken over (that consumer died, or lost Redis for that long); an entry of this consumer is
 * delivered again (its {@code XACK} failed, or the reply of the read that delivered it was lost);
 * the line logged says which. An entry the stream was trimmed past (or that was deleted) before it
 * was claimed is handed to the reader without fields, which reports it as lost ({@link
 * TrimmedEntries}). A command that fails is logged at WARN ({@link FailureLog}): claims that keep
 * failing leave entries undelivered. On the session's loop.
 */
final class Claims {
  private static final Logger LOG = LoggerFactory.getLogger(Claims.class);

  /** Takes claimed entries (hands them to the sink and acknowledges them). On the loop. */
  interface Taker {
    void take(List<StreamMessage<String, byte[]>> claimed);
  }

  private final Session session;
  private final String group;
  private final Consumer<String> consumer;
  private final Taker taker;
  private final FailureLog failures;

  Claims(Session session, String group, Consumer<String> consumer, Taker taker) {
    this.session = session;
    this.group = group;
    this.consumer = consumer;
    this.taker = taker;
    this.failures = new FailureLog(LOG, "commands", () -> session.isClosed() || session.isDown());
  }

  /**
   * One round over {@code streams}; {@code held} are the entries the reader holds, {@code ownToo}
   * whether this consumer's own idle entries are claimed too (not while the reader still reads them
   * itself, from the start).
   */
  void round(List<String> streams, Collection<StreamMessage<String, byte[]>> held, boolean ownToo) {
    long idle = session.options().claimIdle().toMillis();
    if (!held.isEmpty()) {
      String stream = held.iterator().next().getStream();
      String[] ids = held.stream().map(StreamMessage::getId).toArray(String[]::new);
      failures.watch(
          session.commands().xclaim(stream, consumer, XClaimArgs.Builder.justid(), ids),
          () ->
              session.address()
                  + ": could not keep the "
                  + ids.length
                  + " entries of "
                  + stream
                  + " this reader holds from being claimed by another consumer (XCLAIM)");
    }
    for (String stream : streams) {
      claim(stream, idle, ownToo);
      failures.watch(
          Groups.forgetIdle(session.commands(), stream, group, consumer.getName(), 2 * idle),
          () ->
              session.address()
                  + ": could not forget the idle consumers of group "
                  + group
                  + " on "
                  + stream
                  + " (XINFO CONSUMERS, XGROUP DELCONSUMER)");
    }
  }

  private void claim(String stream, long idle, boolean ownToo) {
    var redis = session.commands();
    XPendingArgs<String> args =
        XPendingArgs.Builder.<String>xpending(
                group, Range.unbounded(), Limit.from(session.options().readCount()))
            .idle(idle);
    CompletableFuture<Void> done =
        redis
            .xpending(stream, args)
            .toCompletableFuture()
            .thenCompose(
                pending -> {
                  Map<String, String> owners = new LinkedHashMap<>();
                  for (PendingMessage p : pending) {
                    if (ownToo || !p.getConsumer().equals(consumer.getName())) {
                      owners.put(p.getId(), p.getConsumer());
                    }
                  }
                  if (owners.isEmpty()) {
                    return CompletableFuture.completedFuture(null);
                  }
                  return redis
                      .xclaim(
                          stream,
                          consumer,
                          XClaimArgs.Builder.minIdleTime(idle),
                          owners.keySet().toArray(String[]::new))
                      .toCompletableFuture()
                      .thenCompose(
                          claimed ->
                              gone(stream, owners.keySet(), claimed)
                                  .thenAcceptAsync(
                                      gone -> claimed(stream, claimed, gone, owners),
                                      session.loop()));
                });
    failures.watch(
        done,
        () ->
            session.address()
                + ": could not claim the entries of "
                + stream
                + " pending longer than claimIdle in group "
                + group
                + " (XPENDING, XCLAIM); they wait for the next round");
  }

  /**
   * The entries of {@code ids} that XCLAIM left out of {@code claimed} because they are gone from
   * the stream (trimmed past, or deleted), each as an entry without fields: Redis 7.0 on leaves
   * such an entry out of the reply and drops it from the pending list (an older Redis answered it
   * with nil; one that reaches the reader without fields is reported there all the same). One
   * {@code XRANGE ID ID} per id left out tells them apart: one that still exists was taken by
   * another consumer (or acknowledged) meanwhile. Never fails: when the check does, nothing is
   * reported (logged at DEBUG).
   */
  private CompletableFuture<List<StreamMessage<String, byte[]>>> gone(
      String stream, Collection<String> ids, List<StreamMessage<String, byte[]>> claimed) {
    Set<String> missing = new LinkedHashSet<>(ids);
    claimed.forEach(m -> missing.remove(m.getId()));
    if (missing.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    Map<String, CompletableFuture<List<StreamMessage<String, byte[]>>>> found =
        new LinkedHashMap<>();
    for (String id : missing) {
      found.put(id, session.commands().xrange(stream, Range.create(id, id)).toCompletableFuture());
    }
    return CompletableFuture.allOf(found.values().toArray(CompletableFuture<?>[]::new))
        .thenApply(
            v -> {
              List<StreamMessage<String, byte[]>> out = new ArrayList<>();
              found.forEach(
                  (id, entry) -> {
                    if (entry.join().isEmpty()) {
                      out.add(new StreamMessage<>(stream, id, Map.of()));
                    }
                  });
              return out;
            })
        .exceptionally(
            e -> {
              LOG.debug(
                  "{}: cannot tell which entries of {} are gone", session.address(), stream, e);
              return List.of();
            });
  }

  /**
   * Says what was claimed from whom, and hands it over after the entries that are {@code gone}. On
   * the loop.
   */
  private void claimed(
      String stream,
      List<StreamMessage<String, byte[]>> claimed,
      List<StreamMessage<String, byte[]>> gone,
      Map<String, String> owners) {
    if (claimed.isEmpty() && gone.isEmpty()) {
      return;
    }
    int own = 0;
    Map<String, Integer> others = new TreeMap<>();
    for (StreamMessage<String, byte[]> m : claimed) {
      String owner = owners.get(m.getId());
      if (consumer.getName().equals(owner)) {
        own++;
      } else {
        others.merge(String.valueOf(owner), 1, Integer::sum);
      }
    }
    if (own > 0) {
      LOG.info(
          "{}: delivering again {} entries of {} that this consumer ({}) left unacknowledged for"
              + " claimIdle (a failed XACK, or a read whose reply was lost)",
          session.address(),
          own,
          stream,
          consumer.getName());
    }
    if (!others.isEmpty()) {
      LOG.info(
          "{}: took over {} entries of {} that other consumers left unacknowledged for claimIdle"
              + " (entries per consumer: {})",
          session.address(),
          claimed.size() - own,
          stream,
          others);
    }
    List<StreamMessage<String, byte[]>> all = new ArrayList<>(gone);
    all.addAll(claimed);
    taker.take(all);
  }
}
