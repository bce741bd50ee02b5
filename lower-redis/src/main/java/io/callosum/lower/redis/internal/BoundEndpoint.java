package io.callosum.lower.redis.internal;

import io.callosum.ConnectionLostException;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.LinkListener;
import io.callosum.lower.TransportConfig;
import io.lettuce.core.Consumer;
import io.lettuce.core.SetArgs;
import io.lettuce.core.StreamMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bound side of RPC: one consumer of the address's group, reading {@code KEY.bind} (calls and
 * replies from every connecting peer, Python's format or ours) and {@code KEY.hello} (Java peers
 * announcing themselves). A Java peer becomes a link on its first hello or message (so a restarted
 * bound peer serves the calls that waited in the stream), answered on its own stream {@code
 * KEY.conn.PEER}, and ends with its bye or after {@code peerTimeout} of silence. Entries without a
 * peer id come from Python Callosum: they share one legacy link answered on {@code KEY.conn}. All
 * link events and entries run on the session's loop.
 */
public final class BoundEndpoint implements Endpoint {
  private static final Logger LOG = LoggerFactory.getLogger(BoundEndpoint.class);

  /** The most Java peers one bound endpoint serves at once; ids beyond are dropped. */
  static final int MAX_LINKS = 65_536;

  /** {@code KEY.bound} while a Java peer is bound. */
  static final byte[] ALIVE = "alive".getBytes(StandardCharsets.US_ASCII);

  /** {@code KEY.bound} after the last one closed in order. */
  static final byte[] CLOSED = "closed".getBytes(StandardCharsets.US_ASCII);

  private final Session session;
  private final RedisAddress address;
  private final TransportConfig config;
  private final LinkListener listener;
  private final Drops drops;
  private final Runnable released;
  private final byte[] caps;
  private final Map<String, RedisLink> links = new HashMap<>();
  private final StreamReader reader;
  private final AtomicBoolean closing = new AtomicBoolean();
  private RedisLink legacy;
  private ScheduledFuture<?> expiry;
  private boolean closed;

  private BoundEndpoint(
      Session session,
      TransportConfig config,
      LinkListener listener,
      Drops drops,
      Runnable released) {
    this.session = session;
    this.address = session.address();
    this.config = config;
    this.listener = listener;
    this.drops = drops;
    this.released = released;
    this.caps = config.localCapabilities().encode();
    String consumer = address.consumer() != null ? address.consumer() : Ids.consumer();
    this.reader =
        new StreamReader(
            session,
            address.groupOrDefault(),
            consumer,
            List.of(address.bindStream(), address.helloStream()),
            this::entry);
  }

  /**
   * Makes the streams and the group (as Python Callosum's binder does) and starts reading; the
   * session is the endpoint's from here on.
   */
  public static BoundEndpoint bind(
      Session session,
      TransportConfig config,
      LinkListener listener,
      Drops drops,
      Runnable released)
      throws IOException {
    BoundEndpoint e = new BoundEndpoint(session, config, listener, drops, released);
    RedisAddress a = session.address();
    String group = a.groupOrDefault();
    try {
      var redis = session.commands();
      redis
          .xadd(a.bindStream(), Map.of(Entry.META, Entry.ascii(Entry.CREATE_STREAM)))
          .toCompletableFuture()
          .thenCompose(id -> Groups.create(redis, a.bindStream(), group))
          .thenCompose(v -> Groups.create(redis, a.helloStream(), group))
          .thenCompose(
              v ->
                  redis.xgroupCreateconsumer(
                      a.bindStream(), Consumer.from(group, e.reader.consumerName())))
          .toCompletableFuture()
          .get(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception ex) {
      e.close();
      throw new IOException("cannot set up the streams of " + a + ": " + ex.getMessage(), ex);
    }
    session.events(e.new Events());
    e.announce();
    session.loop().execute(e.reader::start);
    long every = session.options().heartbeatInterval().toMillis();
    e.expiry =
        session.loop().scheduleWithFixedDelay(e::expire, every, every, TimeUnit.MILLISECONDS);
    return e;
  }

  @Override
  public String address() {
    return address.shareable() + (address.group() != null ? "?group=" + address.group() : "");
  }

  /** One entry read (loop). */
  private boolean entry(String stream, StreamMessage<String, byte[]> m) {
    if (closed) {
      return true;
    }
    Entry e = Entry.rpc(m.getBody(), Entry.maxMessage(config));
    if (e instanceof Entry.Meta meta) {
      meta(stream, meta);
    } else if (e instanceof Entry.Data data) {
      data(stream, data);
    } else if (e instanceof Entry.Malformed bad) {
      drops.drop(address, stream, bad.reason());
    }
    return true;
  }

  private void meta(String stream, Entry.Meta meta) {
    switch (meta.kind()) {
      case Entry.CREATE_STREAM, Entry.CREATE_OR_JOIN -> {}
      case Entry.HELLO -> {
        if (meta.peer() == null || meta.caps() == null) {
          drops.drop(address, stream, "a hello without peer or caps");
          return;
        }
        linkOf(stream, meta.peer(), meta.caps(), true);
      }
      case Entry.PING -> {
        RedisLink link = meta.peer() == null ? null : links.get(meta.peer());
        if (link != null) {
          link.lastHeard = System.nanoTime();
        }
      }
      case Entry.BYE -> {
        RedisLink link = meta.peer() == null ? null : links.remove(meta.peer());
        if (link != null) {
          link.markClosed();
          listener.disconnected(link, null);
        }
      }
      default -> drops.drop(address, stream, "an unknown meta marker");
    }
  }

  private void data(String stream, Entry.Data data) {
    if (stream.equals(address.helloStream())) {
      drops.drop(address, stream, "a message on the hello stream");
      return;
    }
    RedisLink link;
    if (data.peer() == null) {
      if (legacy == null) {
        legacy = newLink("redis-legacy", Capabilities.LEGACY, address.connStream());
        listener.connected(legacy);
      }
      link = legacy;
    } else {
      link = linkOf(stream, data.peer(), data.caps(), false);
    }
    if (link != null) {
      listener.received(link, new Envelope(data.hdr(), data.msg()));
    }
  }

  /**
   * The link of Java peer {@code peer}, made (and announced) on its first entry. A welcome goes out
   * before the core hears of a new link, so that it reaches the peer before any call the core makes
   * from its connect event (appends of one connection stay in order).
   */
  private RedisLink linkOf(String stream, String peer, byte[] announced, boolean welcome) {
    RedisLink link = links.get(peer);
    boolean made = false;
    if (link == null) {
      if (links.size() >= MAX_LINKS) {
        drops.drop(address, stream, "a new peer beyond " + MAX_LINKS);
        return null;
      }
      link = newLink("redis-" + peer, Capabilities.decode(announced), address.peerStream(peer));
      links.put(peer, link);
      made = true;
    }
    link.lastHeard = System.nanoTime();
    if (welcome) {
      Session.quietly(
          session.mark(
              link.target(),
              Map.of(Entry.META, Entry.ascii(Entry.WELCOME), Entry.CAPS, caps),
              true));
    }
    if (made) {
      listener.connected(link);
    }
    return link;
  }

  private RedisLink newLink(String id, Capabilities remote, String target) {
    return new RedisLink(
        id,
        remote,
        session,
        target,
        null,
        null,
        !target.equals(address.connStream()), // a Java peer's own stream: only while it exists
        this::sendFailed,
        this::closeLink);
  }

  private void sendFailed(RedisLink link, Throwable e) {
    session
        .loop()
        .execute(
            () ->
                drop(
                    link,
                    new ConnectionLostException(
                        "Redis refused a message for " + link.id() + ": " + e.getMessage(), e)));
  }

  /** The core closes one remote: tell a Java peer, so that it can connect again. */
  private void closeLink(RedisLink link) {
    session
        .loop()
        .execute(
            () -> {
              if (!link.isClosed()) {
                if (link != legacy) {
                  Session.quietly(bye(link));
                }
                drop(link, null);
              }
            });
  }

  private void drop(RedisLink link, Throwable cause) {
    if (link.isClosed()) {
      return;
    }
    link.markClosed();
    if (link == legacy) {
      legacy = null;
    } else {
      links.values().remove(link);
    }
    listener.disconnected(link, cause);
  }

  private CompletableFuture<String> bye(RedisLink link) {
    return session.mark(link.target(), Map.of(Entry.META, Entry.ascii(Entry.BYE)), true);
  }

  /**
   * Tells connecting peers that a Java peer is bound here: {@code KEY.bound} for three heartbeats
   * (renewed every heartbeat, so it lapses soon after a crash).
   */
  private void announce() {
    Session.quietly(
        session
            .commands()
            .set(
                address.boundKey(),
                ALIVE,
                SetArgs.Builder.px(3 * session.options().heartbeatInterval().toMillis())));
  }

  /** Renews the announcement, drops the Java peers silent for longer than {@code peerTimeout}. */
  private void expire() {
    if (closed || session.isDown()) {
      return;
    }
    announce();
    long limit = session.options().peerTimeout().toNanos();
    long now = System.nanoTime();
    for (RedisLink link : new ArrayList<>(links.values())) {
      if (now - link.lastHeard > limit) {
        LOG.info(
            "{}: {} silent for {}; dropped", address, link.id(), session.options().peerTimeout());
        drop(
            link,
            new ConnectionLostException(
                link.id() + " sent nothing for " + session.options().peerTimeout()));
      }
    }
  }

  /** Session events (loop). */
  private final class Events implements Session.Events {
    @Override
    public void lost() {
      ConnectionLostException e =
          new ConnectionLostException("lost the connection to Redis at " + address.hostPort());
      for (RedisLink link : new ArrayList<>(links.values())) {
        drop(link, e);
      }
      if (legacy != null) {
        drop(legacy, e);
      }
    }

    @Override
    public void restored() {
      // Java peers come back with their next hello or message; Python peers with their next one.
    }
  }

  /**
   * Says bye to every Java peer, ends every link, leaves the group (the group stays, with the calls
   * not yet read), then closes the session. Returns once done (at most a few seconds).
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    Runnable work =
        () -> {
          if (closed) {
            done.complete(null);
            return;
          }
          closed = true;
          reader.stop();
          if (expiry != null) {
            expiry.cancel(false);
          }
          List<CompletableFuture<?>> sent = new ArrayList<>();
          for (RedisLink link : new ArrayList<>(links.values())) {
            if (!session.isDown()) {
              sent.add(bye(link));
            }
            drop(link, null);
          }
          if (legacy != null) {
            drop(legacy, null);
          }
          if (!session.isDown()) {
            // Connecting peers then wait for a bound peer instead of taking the streams for
            // Python's.
            sent.add(
                session
                    .commands()
                    .set(
                        address.boundKey(),
                        CLOSED,
                        SetArgs.Builder.px(2 * session.options().peerTimeout().toMillis()))
                    .toCompletableFuture());
            sent.add(reader.leave());
          }
          Session.quietly(
              CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0]))
                  .whenComplete((v, e) -> done.complete(null)));
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
