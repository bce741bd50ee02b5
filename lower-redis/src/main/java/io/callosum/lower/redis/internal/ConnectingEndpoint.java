package io.callosum.lower.redis.internal;

import io.callosum.ConnectionLostException;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.LinkListener;
import io.callosum.lower.TransportConfig;
import io.lettuce.core.StreamMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connecting side of RPC. It reads a stream of its own, {@code KEY.conn.PEER}, and, once some
 * consumer reads {@code KEY.bind} (a peer is bound), announces itself on {@code KEY.hello} until
 * the bound peer's welcome arrives: then its messages go to {@code KEY.bind} with its peer id and
 * capabilities, and it says it is alive every {@code heartbeatInterval}. A bound peer that reads
 * but sends no welcome within {@code helloTimeout} is Python Callosum: the endpoint then speaks its
 * format, reading {@code KEY.conn} in the address's group. Nothing is written to {@code KEY.bind}
 * before that choice, since a Python bound peer reads only its first batch. After a bye or a lost
 * Redis connection it announces itself again, once a second, until welcomed. All work runs on the
 * session's loop.
 */
public final class ConnectingEndpoint implements Endpoint {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectingEndpoint.class);
  private static final long FIRST_TICK_MS = 100;
  private static final long LATER_TICK_MS = 1000;
  private static final long HELLO_EVERY_NANOS = 250_000_000L;

  private final Session session;
  private final RedisAddress address;
  private final TransportConfig config;
  private final LinkListener listener;
  private final Drops drops;
  private final Runnable released;
  private final String peer = Ids.peer();
  private final byte[] caps;
  private final StreamReader reader;
  private final FailureLog regroups;
  private final CompletableFuture<Void> first = new CompletableFuture<>();
  private final AtomicBoolean closing = new AtomicBoolean();
  private RedisLink link;
  private boolean legacy;
  private boolean probing;
  private long presentSince = -1;
  private long lastHello;
  private ScheduledFuture<?> ticks;
  private ScheduledFuture<?> heartbeats;
  private boolean closed;

  private ConnectingEndpoint(
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
            List.of(address.peerStream(peer)),
            this::entry);
    this.regroups = new FailureLog(LOG, "failures", () -> session.isClosed() || session.isDown());
  }

  /** Connects within the config's connect timeout, or fails saying why. */
  public static ConnectingEndpoint connect(
      Session session,
      TransportConfig config,
      LinkListener listener,
      Drops drops,
      Runnable released)
      throws IOException {
    ConnectingEndpoint e = new ConnectingEndpoint(session, config, listener, drops, released);
    session.events(e.new Events());
    Duration timeout = config.connectTimeout();
    try {
      Groups.create(session.commands(), e.ownStream(), e.address.groupOrDefault())
          .toCompletableFuture()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Session.quietly(session.commands().pexpire(e.ownStream(), e.streamLifetime()));
      session
          .loop()
          .execute(
              () -> {
                e.reader.start();
                e.handshake(System.nanoTime() + timeout.toNanos(), FIRST_TICK_MS);
              });
      e.first.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
      return e;
    } catch (ExecutionException | TimeoutException ex) {
      e.close();
      Throwable why = ex instanceof ExecutionException ? ex.getCause() : ex;
      throw new IOException(String.valueOf(why.getMessage()), why);
    } catch (InterruptedException ex) {
      e.close();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while connecting to " + e.address.shareable(), ex);
    }
  }

  private String ownStream() {
    return address.peerStream(peer);
  }

  /** The reply stream lives this long after the last heartbeat (then Redis deletes it). */
  private long streamLifetime() {
    return 2 * session.options().peerTimeout().toMillis();
  }

  @Override
  public String address() {
    return address.shareable();
  }

  // ------------------------------------------------------------------ the handshake (loop)

  /**
   * Probes and announces every {@code tickMs} until linked; fails the first connect past its
   * deadline.
   */
  private void handshake(long deadline, long tickMs) {
    if (ticks != null) {
      ticks.cancel(false);
    }
    presentSince = -1;
    ticks =
        session
            .loop()
            .scheduleWithFixedDelay(() -> tick(deadline), 0, tickMs, TimeUnit.MILLISECONDS);
  }

  private void tick(long deadline) {
    if (closed || link != null) {
      ticks.cancel(false);
      return;
    }
    long now = System.nanoTime();
    if (!first.isDone() && now - deadline > 0) {
      ticks.cancel(false);
      first.completeExceptionally(
          new ConnectionLostException(
              "no peer is bound at "
                  + address.shareable()
                  + (presentSince < 0
                      ? " (no bound peer has announced itself in "
                          + address.boundKey()
                          + ", and nobody made a group on "
                          + address.bindStream()
                          + ")"
                      : ": its bound peer did not answer")));
      return;
    }
    if (probing || session.isDown()) {
      return;
    }
    probing = true;
    var redis = session.commands();
    Session.quietly(
        redis
            .get(address.boundKey())
            .toCompletableFuture()
            .thenCompose(
                bound -> {
                  if (bound != null) {
                    return CompletableFuture.<Bound>completedFuture(
                        Arrays.equals(bound, BoundEndpoint.CLOSED) ? Bound.NOBODY : Bound.JAVA);
                  }
                  return Groups.groups(redis, address.bindStream())
                      .toCompletableFuture()
                      .thenApply(gs -> gs.isEmpty() ? Bound.NOBODY : Bound.MAYBE_PYTHON);
                })
            .whenCompleteAsync(
                (bound, e) -> {
                  probing = false;
                  if (e == null) {
                    probed(bound);
                  } else {
                    LOG.debug("{}: cannot tell who is bound: {}", address, e.toString());
                  }
                },
                session.loop()));
  }

  /**
   * Who is bound at the address: a Java peer ({@code KEY.bound} set), nobody (not set, no group on
   * {@code KEY.bind}, or the last Java peer closed), or maybe Python Callosum (a group on {@code
   * KEY.bind} and no Java peer: Python leaves no other trace while it waits for its first batch; a
   * Java peer that died leaves the same).
   */
  private enum Bound {
    JAVA,
    NOBODY,
    MAYBE_PYTHON
  }

  private void probed(Bound bound) {
    if (closed || link != null) {
      return;
    }
    long now = System.nanoTime();
    if (bound == Bound.NOBODY) {
      presentSince = -1;
      return;
    }
    if (presentSince < 0) {
      presentSince = now;
    }
    if (bound == Bound.MAYBE_PYTHON
        && now - presentSince > session.options().helloTimeout().toNanos()) {
      python();
      return;
    }
    if (now - lastHello > HELLO_EVERY_NANOS) {
      lastHello = now;
      Session.quietly(
          session
              .commands()
              .xadd(
                  address.helloStream(),
                  Map.of(
                      Entry.META, Entry.ascii(Entry.HELLO),
                      Entry.PEER, Entry.peerBytes(peer),
                      Entry.CAPS, caps)));
    }
  }

  /** A welcome: the bound peer is a Java peer with {@code remote} capabilities. */
  private void welcomed(byte[] remote) {
    if (link != null || closed) {
      return;
    }
    legacy = false;
    linked(
        new RedisLink(
            "redis-" + address.key(),
            Capabilities.decode(remote),
            session,
            address.bindStream(),
            peer,
            caps,
            false,
            this::sendFailed,
            this::closeLink));
    long every = session.options().heartbeatInterval().toMillis();
    heartbeats =
        session.loop().scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
  }

  /** The bound peer reads but does not answer: Python Callosum. Speak its format from now on. */
  private void python() {
    if (ticks != null) {
      ticks.cancel(false);
    }
    LOG.info("{}: the bound peer sent no welcome: Python Callosum's format from now on", address);
    legacy = true;
    var redis = session.commands();
    String conn = address.connStream();
    Session.quietly(
        redis
            .xadd(conn, Map.of(Entry.META, Entry.ascii(Entry.CREATE_STREAM)))
            .toCompletableFuture()
            .thenCompose(id -> Groups.create(redis, conn, address.groupOrDefault()))
            .whenCompleteAsync(
                (v, e) -> {
                  if (closed || link != null) {
                    return;
                  }
                  if (e != null) {
                    LOG.warn("{}: cannot read {}: {}", address, conn, e.getMessage());
                    handshake(System.nanoTime(), LATER_TICK_MS);
                    return;
                  }
                  reader.streams(List.of(conn));
                  Session.quietly(redis.del(ownStream()));
                  linked(
                      new RedisLink(
                          "redis-" + address.key() + "-legacy",
                          Capabilities.LEGACY,
                          session,
                          address.bindStream(),
                          null,
                          null,
                          false,
                          this::sendFailed,
                          this::closeLink));
                },
                session.loop()));
  }

  private void linked(RedisLink l) {
    link = l;
    if (ticks != null) {
      ticks.cancel(false);
    }
    listener.connected(l);
    first.complete(null);
  }

  private void heartbeat() {
    if (closed || link == null || legacy || session.isDown()) {
      return;
    }
    Session.quietly(
        session
            .commands()
            .xadd(
                address.bindStream(),
                Map.of(Entry.META, Entry.ascii(Entry.PING), Entry.PEER, Entry.peerBytes(peer))));
    Session.quietly(session.commands().pexpire(ownStream(), streamLifetime()));
  }

  // ------------------------------------------------------------------ entries and loss (loop)

  private boolean entry(String stream, StreamMessage<String, byte[]> m) {
    if (closed) {
      return true;
    }
    Entry e = Entry.rpc(m.getBody(), Entry.maxMessage(config));
    if (e instanceof Entry.Data data) {
      if (link != null && data.peer() == null) {
        listener.received(link, new Envelope(data.hdr(), data.msg()));
      } else {
        drops.drop(address, stream, link == null ? "a message before the welcome" : "a peer id");
      }
    } else if (e instanceof Entry.Meta meta) {
      switch (meta.kind()) {
        case Entry.CREATE_STREAM, Entry.CREATE_OR_JOIN -> {}
        case Entry.WELCOME -> {
          if (meta.caps() != null && !legacy) {
            welcomed(meta.caps());
          }
        }
        case Entry.BYE -> {
          if (link != null && !legacy) {
            lose(null, true);
          }
        }
        default -> drops.drop(address, stream, "an unknown meta marker");
      }
    } else if (e instanceof Entry.Malformed bad) {
      drops.drop(address, stream, bad.reason());
    }
    return true;
  }

  /**
   * The link ends ({@code cause} null: closed in order); with {@code again}, make the group of this
   * peer's own stream again (Redis may have come back empty) and announce this peer again until a
   * bound peer welcomes it. A group Redis refuses to make is logged at WARN ({@link FailureLog};
   * while the connection is down, at DEBUG: the reader makes it once a read finds it gone).
   */
  private void lose(Throwable cause, boolean again) {
    RedisLink l = link;
    if (l == null) {
      return;
    }
    link = null;
    l.markClosed();
    if (heartbeats != null) {
      heartbeats.cancel(false);
    }
    listener.disconnected(l, cause);
    if (!closed && again) {
      legacy = false;
      reader.streams(List.of(ownStream()));
      String group = address.groupOrDefault();
      regroups.watch(
          Groups.create(session.commands(), ownStream(), group),
          () ->
              address
                  + ": could not make group "
                  + group
                  + " on "
                  + ownStream()
                  + " again after the link ended (XGROUP CREATE); announcing this peer goes on,"
                  + " and the reader makes the group when a read finds it gone");
      handshake(System.nanoTime(), LATER_TICK_MS);
    }
  }

  private void sendFailed(RedisLink l, Throwable e) {
    session
        .loop()
        .execute(
            () -> {
              if (l == link) {
                lose(
                    new ConnectionLostException("Redis refused a message: " + e.getMessage(), e),
                    true);
              }
            });
  }

  /** The core closes the link (its peer is closing): a bye, as on close. */
  private void closeLink(RedisLink l) {
    session
        .loop()
        .execute(
            () -> {
              if (l == link) {
                Session.quietly(bye());
                lose(null, false);
              }
            });
  }

  private CompletableFuture<?> bye() {
    if (legacy || session.isDown()) {
      return CompletableFuture.completedFuture(null);
    }
    return session
        .commands()
        .xadd(
            address.bindStream(),
            Map.of(Entry.META, Entry.ascii(Entry.BYE), Entry.PEER, Entry.peerBytes(peer)))
        .toCompletableFuture();
  }

  /** Session events (loop). */
  private final class Events implements Session.Events {
    @Override
    public void lost() {
      lose(
          new ConnectionLostException("lost the connection to Redis at " + address.hostPort()),
          true);
    }

    @Override
    public void restored() {
      if (link == null && first.isDone() && !closed) {
        handshake(System.nanoTime(), FIRST_TICK_MS);
      }
    }
  }

  /**
   * Says bye (a Java bound peer drops the link at once), deletes its own stream or leaves the
   * legacy group, ends the link, then closes the session. Returns once done (a few seconds at
   * most).
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    Runnable work =
        () -> {
          closed = true;
          reader.stop();
          for (ScheduledFuture<?> f : new ScheduledFuture<?>[] {ticks, heartbeats}) {
            if (f != null) {
              f.cancel(false);
            }
          }
          List<CompletableFuture<?>> sent = new ArrayList<>();
          if (!session.isDown()) {
            if (link != null) {
              sent.add(bye());
            }
            if (legacy) {
              sent.add(reader.leave());
            } else {
              sent.add(
                  session
                      .closeReader()
                      .thenCompose(v -> session.commands().del(ownStream()))
                      .toCompletableFuture());
            }
          }
          RedisLink l = link;
          if (l != null) {
            link = null;
            l.markClosed();
            listener.disconnected(l, null);
          }
          first.completeExceptionally(new ConnectionLostException("closed while connecting"));
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
