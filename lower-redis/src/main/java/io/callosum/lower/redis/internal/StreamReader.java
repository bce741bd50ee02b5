package io.callosum.lower.redis.internal;

import io.callosum.lower.ReadBatch;
import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.models.stream.PendingMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads streams as one consumer of one group, on the session's loop: first what this consumer read
 * before and never acknowledged (a restart under the same consumer name), then new entries with
 * {@code XREADGROUP ... BLOCK ... >}, each handed to the {@link Sink}; what a read batch handed
 * over is then acknowledged with one {@code XACK} ({@link Acks}). Every {@code claimIdle / 2} it
 * also claims ({@link Claims}) entries of the group left unacknowledged for {@code claimIdle} (by a
 * consumer that died, or by this one when an acknowledgement failed), and forgets consumers that
 * are idle and hold nothing. A pending entry the stream was trimmed past before it was read again
 * or claimed ({@link Entry.Trimmed}: it comes back without fields) never reaches the sink: it is
 * acknowledged and logged as lost ({@link TrimmedEntries}). A sink that has no room for another
 * entry pauses the reader: the entries of the batch not yet taken wait here, unacknowledged (and
 * kept from being claimed), until {@link #resume()}. All methods run on the loop except {@link
 * #resume()}, which may be called from any thread.
 */
public final class StreamReader {
  private static final Logger LOG = LoggerFactory.getLogger(StreamReader.class);
  private static final long RETRY_MS = 200;
  private static final int OWN_PAGES = 100;

  /** Takes one entry; false when it has no room for another (reading pauses until resume). */
  public interface Sink {
    boolean accept(String stream, StreamMessage<String, byte[]> entry);
  }

  private final Session session;
  private final String group;
  private final Consumer<String> consumer;
  private final Sink sink;
  private final Deque<StreamMessage<String, byte[]>> held = new ArrayDeque<>();
  private final Acks acks;
  private final TrimmedEntries trimmed;
  private final Claims claims;
  private final FailureLog groupGone;
  private List<String> streams;

  /**
   * Where reading this consumer's own unacknowledged entries goes on (after this id), or null once
   * they are read (then new entries are read). Kept across a pause, so that a sink full during them
   * takes the rest after {@link #resume()}.
   */
  private String ownAfter = "0";

  private int ownPages;
  private boolean reading;
  private boolean paused;
  private boolean stopped;
  private ScheduledFuture<?> claiming;

  public StreamReader(
      Session session, String group, String consumer, List<String> streams, Sink sink) {
    this.session = session;
    this.group = group;
    this.consumer = Consumer.from(group, consumer);
    this.streams = List.copyOf(streams);
    this.sink = sink;
    this.acks = new Acks(session, group);
    this.trimmed = new TrimmedEntries(session, group, consumer);
    this.claims =
        new Claims(
            session,
            group,
            this.consumer,
            claimed -> {
              if (!stopped) {
                take(claimed);
              }
            });
    this.groupGone = new FailureLog(LOG, "failures", session::isClosed);
  }

  public String consumerName() {
    return consumer.getName();
  }

  /** Starts reading: this consumer's own unacknowledged entries first. On the loop. */
  public void start() {
    long every = Math.max(100, session.options().claimIdle().toMillis() / 2);
    if (!session.options().claimIdle().isZero()) {
      claiming =
          session.loop().scheduleWithFixedDelay(this::claim, every, every, TimeUnit.MILLISECONDS);
    }
    next();
  }

  /** Reads {@code streams} from the next read on (the one under way ends within its block). */
  public void streams(List<String> streams) {
    this.streams = List.copyOf(streams);
  }

  /** Stops reading; entries held are left unacknowledged, for a successor to claim. On the loop. */
  public void stop() {
    stopped = true;
    held.clear();
    if (claiming != null) {
      claiming.cancel(false);
    }
  }

  /**
   * Stops reading and leaves the group as Python Callosum does ({@code XGROUP DELCONSUMER}), but
   * only from the streams where this consumer holds no unacknowledged message (what it holds stays
   * under its name, for another consumer to claim). The blocking read is ended first by closing its
   * connection, so that nothing is delivered to this consumer afterwards; markers it was delivered
   * meanwhile (a ping, a bye) are acknowledged, since nobody needs them again. On the loop.
   */
  public CompletableFuture<Void> leave() {
    stop();
    var redis = session.commands();
    CompletableFuture<Void> done = session.closeReader();
    for (String stream : streams) {
      done =
          done.thenCompose(
              v ->
                  redis
                      .xpending(
                          stream,
                          consumer,
                          Range.unbounded(),
                          Limit.from(session.options().readCount()))
                      .toCompletableFuture()
                      .thenCompose(pending -> ackMarkers(stream, pending))
                      .thenCompose(
                          holds ->
                              holds
                                  ? CompletableFuture.completedFuture(0L)
                                  : redis.xgroupDelconsumer(stream, consumer))
                      .handle((n, e) -> null));
    }
    return done;
  }

  /** Acknowledges the markers among {@code pending}; whether a message is left unacknowledged. */
  private CompletableFuture<Boolean> ackMarkers(String stream, List<PendingMessage> pending) {
    if (pending.isEmpty()) {
      return CompletableFuture.completedFuture(false);
    }
    var redis = session.commands();
    String[] ids = pending.stream().map(PendingMessage::getId).toArray(String[]::new);
    return redis
        .xclaim(stream, consumer, 0, ids)
        .toCompletableFuture()
        .thenCompose(
            entries -> {
              String[] markers =
                  entries.stream()
                      .filter(m -> m.getBody() != null && m.getBody().containsKey(Entry.META))
                      .map(StreamMessage::getId)
                      .toArray(String[]::new);
              // entries trimmed away meanwhile are not returned: nothing to keep for them
              boolean holds = markers.length < entries.size();
              return markers.length == 0
                  ? CompletableFuture.completedFuture(holds)
                  : redis.xack(stream, group, markers).toCompletableFuture().thenApply(n -> holds);
            });
  }

  /** Reading again after the sink had no room. Any thread. */
  public void resume() {
    session.loop().execute(this::drainHeld);
  }

  private void drainHeld() {
    if (stopped || !paused) {
      return;
    }
    paused = false;
    List<StreamMessage<String, byte[]>> again = new ArrayList<>(held);
    held.clear();
    take(again);
    next();
  }

  /**
   * Reads the next page of this consumer's own unacknowledged entries (of the main stream), at most
   * {@value #OWN_PAGES} pages; an entry trimmed from the stream meanwhile comes back without fields
   * (it is acknowledged and logged as lost to trimming, not handed to the sink: {@link
   * TrimmedEntries}). A pause keeps the place: {@link #next()} goes on from there after {@link
   * #resume()}.
   */
  @SuppressWarnings("unchecked") // Lettuce's varargs of a generic type
  private void readOwn() {
    reading = true;
    try {
      session
          .readerCommands()
          .xreadgroup(
              consumer,
              XReadArgs.Builder.count(session.options().readCount()),
              StreamOffset.from(streams.get(0), ownAfter))
          .whenCompleteAsync(this::readOwn, session.loop());
    } catch (RuntimeException e) {
      readOwn(null, e);
    }
  }

  private void readOwn(List<StreamMessage<String, byte[]>> batch, Throwable e) {
    reading = false;
    if (stopped) {
      return;
    }
    if (e != null || batch == null || batch.isEmpty() || ++ownPages >= OWN_PAGES) {
      ownAfter = null; // done (or failed: what is left is claimed after claimIdle)
    } else {
      ownAfter = batch.get(batch.size() - 1).getId();
    }
    if (e == null && batch != null) {
      take(batch);
    }
    next();
  }

  private void next() {
    if (stopped || paused || reading || streams.isEmpty()) {
      return;
    }
    if (ownAfter != null) {
      readOwn();
      return;
    }
    reading = true;
    StreamOffset<String>[] offsets = offsets(streams);
    XReadArgs args =
        XReadArgs.Builder.block(session.options().blockTimeout().toMillis())
            .count(session.options().readCount());
    try {
      session
          .readerCommands()
          .xreadgroup(consumer, args, offsets)
          .whenCompleteAsync(this::read, session.loop());
    } catch (RuntimeException e) {
      read(null, e);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"}) // an array of a generic type, for Lettuce's varargs
  private static StreamOffset<String>[] offsets(List<String> streams) {
    StreamOffset<String>[] out = new StreamOffset[streams.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = StreamOffset.lastConsumed(streams.get(i));
    }
    return out;
  }

  private void read(List<StreamMessage<String, byte[]>> batch, Throwable e) {
    reading = false;
    if (stopped) {
      return;
    }
    if (e != null) {
      retry(e);
      return;
    }
    if (batch != null) {
      take(batch);
    }
    next();
  }

  private void retry(Throwable e) {
    String m = String.valueOf(e.getMessage());
    if (m.contains("NOGROUP")) {
      // The stream or group was deleted under us (e.g. FLUSHALL): make them again.
      groupGone.failed(
          1,
          () ->
              session.address()
                  + ": group "
                  + group
                  + " is gone from "
                  + streams
                  + "; creating it again",
          e);
      for (String s : streams) {
        groupGone.watch(
            Groups.create(session.commands(), s, group),
            () ->
                session.address()
                    + ": could not create group "
                    + group
                    + " on "
                    + s
                    + " (XGROUP CREATE); reading tries again");
      }
    } else if (!session.isDown() && !session.isClosed()) {
      LOG.debug("{}: reading {} failed, again in {} ms", session.address(), streams, RETRY_MS, e);
    }
    reading = true;
    var unused =
        session
            .loop()
            .schedule(
                () -> {
                  reading = false;
                  next();
                },
                RETRY_MS,
                TimeUnit.MILLISECONDS);
  }

  /**
   * Hands entries to the sink in order, acknowledging each; holds the rest once the sink is full.
   * Entries trimmed away are acknowledged and reported instead.
   */
  private void take(List<StreamMessage<String, byte[]>> batch) {
    ReadBatch.begin(); // the consumers the batch makes ready are woken once, after it
    try {
      takeAll(batch);
    } finally {
      acks.send(); // one XACK for what the batch handed over
      trimmed.report();
      ReadBatch.end();
    }
  }

  private void takeAll(List<StreamMessage<String, byte[]>> batch) {
    for (int i = 0; i < batch.size(); i++) {
      StreamMessage<String, byte[]> m = batch.get(i);
      if (stopped) {
        return;
      }
      if (Entry.trimmed(m.getBody())) {
        trimmed.add(m);
        acks.add(m);
        continue;
      }
      if (paused) {
        held.add(m);
        continue;
      }
      boolean more;
      try {
        more = sink.accept(m.getStream(), m);
      } catch (RuntimeException | Error err) {
        LOG.error("{}: an entry of {} failed; dropped", session.address(), m.getStream(), err);
        more = true;
      }
      acks.add(m);
      paused = !more;
    }
  }

  /** A round of claims ({@link Claims}); this consumer's own entries once it has read them. */
  private void claim() {
    if (stopped || session.isDown()) {
      return;
    }
    claims.round(streams, held, ownAfter == null);
  }

  /** The fields of an entry (for sinks). */
  public static Map<String, byte[]> fields(StreamMessage<String, byte[]> m) {
    return m.getBody();
  }
}
