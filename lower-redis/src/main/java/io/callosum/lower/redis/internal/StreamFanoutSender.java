package io.callosum.lower.redis.internal;

import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutSender;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XTrimArgs;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends broadcast or pipeline items ({@code hdr}, {@code msg}, {@code topic}) to the stream
 * {@code KEY}. A broadcast trims the stream to about {@code queueCapacity} entries and refuses
 * offers only while {@code maxSendBacklog} bytes are on their way to Redis. A pipeline makes the
 * workers' group first (so that items wait for a worker), never trims what is not yet delivered,
 * and refuses offers while about {@code queueCapacity} items are not yet delivered to a worker (it
 * asks Redis how many, every 10 ms while full); it trims what the workers have acknowledged once a
 * second. {@link #offer} is thread-safe; the rest runs on the session's loop.
 */
public final class StreamFanoutSender implements FanoutSender {
  private static final Logger LOG = LoggerFactory.getLogger(StreamFanoutSender.class);
  private static final long FULL_CHECK_MS = 10;
  private static final long MAINTENANCE_MS = 1000;

  private final Session session;
  private final RedisAddress address;
  private final FanoutConfig config;
  private final Runnable writable;
  private final Runnable released;
  private final boolean pipeline;
  private final XAddArgs trim;
  private final AtomicInteger outstanding = new AtomicInteger();
  private final AtomicInteger sending = new AtomicInteger();
  private final AtomicLong sendingBytes = new AtomicLong();
  private final AtomicBoolean full = new AtomicBoolean();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final FailureLog trims;
  private volatile boolean closed;
  private ScheduledFuture<?> maintenance;
  private boolean checking;

  private StreamFanoutSender(
      Session session, FanoutConfig config, Runnable writable, Runnable released) {
    this.session = session;
    this.address = session.address();
    this.config = config;
    this.writable = writable;
    this.released = released;
    this.trims = new FailureLog(LOG, "rounds", () -> closed || session.isDown());
    this.pipeline = config.pattern() == FanoutPattern.PIPELINE;
    this.trim =
        pipeline
            ? new XAddArgs()
            : new XAddArgs().maxlen(config.queueCapacity()).approximateTrimming();
  }

  /** Makes the stream (and a pipeline's group) as Python Callosum's publisher does. */
  public static StreamFanoutSender open(
      Session session, FanoutConfig config, Runnable writable, Runnable released)
      throws IOException {
    StreamFanoutSender s = new StreamFanoutSender(session, config, writable, released);
    try {
      var redis = session.commands();
      CompletableFuture<?> ready =
          redis
              .xadd(s.address.key(), Map.of(Entry.META, Entry.ascii(Entry.CREATE_OR_JOIN)))
              .toCompletableFuture();
      if (s.pipeline) {
        ready = ready.thenCompose(id -> Groups.create(redis, s.address.key(), s.group()));
      }
      ready.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      s.close();
      throw new IOException("cannot open " + s.address + ": " + e.getMessage(), e);
    }
    if (s.pipeline) {
      s.maintenance =
          session
              .loop()
              .scheduleWithFixedDelay(
                  s::maintain, MAINTENANCE_MS, MAINTENANCE_MS, TimeUnit.MILLISECONDS);
    }
    return s;
  }

  private String group() {
    return address.groupOrDefault();
  }

  @Override
  public String address() {
    return address.toString();
  }

  @Override
  public boolean offer(FanoutItem item) {
    if (closed) {
      throw new IllegalStateException(address + " is closed");
    }
    if (full() || session.isDown()) {
      if (full.compareAndSet(false, true)) {
        session.loop().execute(this::recheck);
      }
      return false;
    }
    Map<String, byte[]> fields = new LinkedHashMap<>();
    fields.put(Entry.HDR, item.header());
    fields.put(Entry.MSG, item.body());
    fields.put(Entry.TOPIC, item.topic());
    if (pipeline) {
      outstanding.incrementAndGet();
    }
    sending.incrementAndGet();
    long size = item.size();
    sendingBytes.addAndGet(size);
    try {
      Session.quietly(
          session
              .commands()
              .xadd(address.key(), trim, fields)
              .whenComplete(
                  (id, e) -> {
                    sending.decrementAndGet();
                    sendingBytes.addAndGet(-size);
                    if (e != null && !closed) {
                      LOG.warn("{}: an item was lost: {}", address, e.getMessage());
                    }
                    if (!pipeline && full.get()) {
                      session.loop().execute(this::recheck);
                    }
                  }));
    } catch (RuntimeException e) {
      sending.decrementAndGet();
      sendingBytes.addAndGet(-size);
      LOG.warn("{}: an item was lost: {}", address, e.getMessage());
    }
    return true;
  }

  /**
   * Whether to refuse items now: a pipeline while its workers have about {@code queueCapacity}
   * items not yet delivered; a broadcast, which never waits for its readers, only while more than
   * {@code maxSendBacklog} bytes are on their way to Redis.
   */
  private boolean full() {
    return pipeline
        ? outstanding.get() >= config.queueCapacity()
        : sendingBytes.get() > session.options().maxSendBacklog();
  }

  /** After a refused offer: asks again until there is room, then calls {@code writable} (loop). */
  private void recheck() {
    if (closed || !full.get() || checking) {
      return;
    }
    if (!pipeline) {
      if (!full() && !session.isDown()) {
        roomAgain();
      } else {
        again();
      }
      return;
    }
    checking = true;
    Session.quietly(
        undelivered()
            .whenCompleteAsync(
                (n, e) -> {
                  checking = false;
                  if (e == null) {
                    outstanding.set((int) Math.min(Integer.MAX_VALUE, n + sending.get()));
                  }
                  if (e == null
                      && outstanding.get() < config.queueCapacity()
                      && !session.isDown()) {
                    roomAgain();
                  } else {
                    again();
                  }
                },
                session.loop()));
  }

  private void again() {
    var unused = session.loop().schedule(this::recheck, FULL_CHECK_MS, TimeUnit.MILLISECONDS);
  }

  private void roomAgain() {
    if (full.compareAndSet(true, false)) {
      writable.run();
    }
  }

  /** Items of the workers' group not yet delivered: its lag, or counted when Redis has none. */
  private CompletableFuture<Long> undelivered() {
    var redis = session.commands();
    return Groups.groups(redis, address.key())
        .toCompletableFuture()
        .thenCompose(
            gs -> {
              Groups.GroupInfo g =
                  gs.stream().filter(x -> x.name().equals(group())).findFirst().orElse(null);
              if (g == null) {
                return CompletableFuture.completedFuture(0L);
              }
              if (g.lag() >= 0) {
                return CompletableFuture.completedFuture(g.lag());
              }
              return redis
                  .xrange(
                      address.key(),
                      Range.create("(" + g.lastDelivered(), "+"),
                      Limit.from(config.queueCapacity()))
                  .toCompletableFuture()
                  .thenApply(l -> (long) l.size());
            });
  }

  /** Trims what every worker has acknowledged, keeps counting (loop). */
  private void maintain() {
    if (closed || session.isDown()) {
      return;
    }
    var redis = session.commands();
    trims.watch(
        Groups.groups(redis, address.key())
            .thenCompose(
                gs ->
                    gs.stream()
                        .filter(g -> g.name().equals(group()) && g.lastDelivered() != null)
                        .findFirst()
                        .map(
                            g ->
                                redis
                                    .xpending(address.key(), group())
                                    .thenCompose(
                                        p -> {
                                          String keep =
                                              p.getCount() > 0
                                                      && p.getMessageIds().getLower().getValue()
                                                          != null
                                                  ? p.getMessageIds().getLower().getValue()
                                                  : g.lastDelivered();
                                          return redis.xtrim(
                                              address.key(),
                                              XTrimArgs.Builder.minId(keep).approximateTrimming());
                                        }))
                        .orElse(CompletableFuture.completedFuture(0L))),
        () ->
            address
                + ": could not trim "
                + address.key()
                + " to what its workers acknowledged (XINFO GROUPS, XPENDING, XTRIM); it grows"
                + " until a later round does");
    if (!full.get()) {
      Session.quietly(
          undelivered().thenAccept(n -> outstanding.set((int) Math.min(Integer.MAX_VALUE, n))));
    }
  }

  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    closed = true;
    if (maintenance != null) {
      maintenance.cancel(false);
    }
    CompletableFuture<Void> flushed = new CompletableFuture<>();
    session.loop().execute(() -> flushed.complete(null));
    Closing.await(flushed, Duration.ofSeconds(1));
    session.close();
    released.run();
  }
}
