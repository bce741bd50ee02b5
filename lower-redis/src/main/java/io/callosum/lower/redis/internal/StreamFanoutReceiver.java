package io.callosum.lower.redis.internal;

import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutListener;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutReceiver;
import io.lettuce.core.StreamMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads broadcast or pipeline items from the stream {@code KEY} as one consumer of a group: a
 * broadcast receiver's own group (made at the stream's end when it opens, so it gets what is
 * published from then on, and destroyed when it closes unless the address named it), or the
 * workers' shared group of a pipeline. Items whose topic matches no prefix are acknowledged and
 * skipped; items that are malformed or larger than the limit are counted and dropped; markers are
 * skipped. When the core has no room, reading pauses (and the stream, trimmed by the sender, is
 * what a slow broadcast receiver loses). Runs on the session's loop; {@link #resume()} and {@link
 * #close()} from any thread.
 */
public final class StreamFanoutReceiver implements FanoutReceiver {
  private final Session session;
  private final RedisAddress address;
  private final FanoutConfig config;
  private final List<byte[]> prefixes;
  private final FanoutListener listener;
  private final Drops drops;
  private final Runnable released;
  private final String group;
  private final boolean ownGroup;
  private final StreamReader reader;
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile boolean closed;

  private StreamFanoutReceiver(
      Session session,
      FanoutConfig config,
      List<String> topicPrefixes,
      FanoutListener listener,
      Drops drops,
      Runnable released) {
    this.session = session;
    this.address = session.address();
    this.config = config;
    this.listener = listener;
    this.drops = drops;
    this.released = released;
    boolean broadcast = config.pattern() == FanoutPattern.BROADCAST;
    List<byte[]> p = new ArrayList<>();
    if (broadcast) {
      for (String s : topicPrefixes) {
        p.add(s.getBytes(StandardCharsets.UTF_8));
      }
    }
    this.prefixes = p;
    this.ownGroup = broadcast && address.group() == null;
    this.group = ownGroup ? "callosum-" + Ids.peer() : address.groupOrDefault();
    String consumer = address.consumer() != null ? address.consumer() : Ids.consumer();
    this.reader = new StreamReader(session, group, consumer, List.of(address.key()), this::entry);
  }

  /** Makes the stream and the group (as Python Callosum's consumer does) and starts reading. */
  public static StreamFanoutReceiver open(
      Session session,
      FanoutConfig config,
      List<String> topicPrefixes,
      FanoutListener listener,
      Drops drops,
      Runnable released)
      throws IOException {
    StreamFanoutReceiver r =
        new StreamFanoutReceiver(session, config, topicPrefixes, listener, drops, released);
    try {
      var redis = session.commands();
      redis
          .xadd(r.address.key(), Map.of(Entry.META, Entry.ascii(Entry.CREATE_OR_JOIN)))
          .toCompletableFuture()
          .thenCompose(id -> Groups.create(redis, r.address.key(), r.group))
          .toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      r.close();
      throw new IOException("cannot open " + r.address + ": " + e.getMessage(), e);
    }
    session.loop().execute(r.reader::start);
    return r;
  }

  @Override
  public String address() {
    return address.toString();
  }

  private boolean entry(String stream, StreamMessage<String, byte[]> m) {
    if (closed) {
      return true;
    }
    Entry e = Entry.item(m.getBody(), config.maxMessageSize());
    if (e instanceof Entry.Item item) {
      if (!matches(item.topic())) {
        return true;
      }
      return listener.received(new FanoutItem(item.topic(), item.hdr(), item.msg()));
    }
    if (e instanceof Entry.Malformed bad) {
      drops.drop(address, stream, bad.reason());
      listener.malformed(bad.reason());
    }
    return true;
  }

  private boolean matches(byte[] topic) {
    if (prefixes.isEmpty()) {
      return true;
    }
    for (byte[] p : prefixes) {
      if (p.length <= topic.length && Arrays.equals(topic, 0, p.length, p, 0, p.length)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void resume() {
    reader.resume();
  }

  /** Leaves the group (and destroys a group of its own), then closes the session. */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    closed = true;
    CompletableFuture<Void> done = new CompletableFuture<>();
    Runnable work =
        () -> {
          CompletableFuture<?> left;
          if (session.isDown()) {
            reader.stop();
            left = CompletableFuture.completedFuture(null);
          } else if (ownGroup) {
            reader.stop();
            left = session.commands().xgroupDestroy(address.key(), group).toCompletableFuture();
          } else {
            left = reader.leave();
          }
          Session.quietly(left.whenComplete((v, ex) -> done.complete(null)));
        };
    if (session.loop().inEventLoop()) {
      work.run();
    } else {
      session.loop().execute(work);
    }
    Closing.await(done, Duration.ofSeconds(3));
    session.close();
    released.run();
  }
}
