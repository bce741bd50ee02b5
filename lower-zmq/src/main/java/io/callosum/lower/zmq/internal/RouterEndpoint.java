package io.callosum.lower.zmq.internal;

import io.callosum.ConnectionLostException;
import io.callosum.auth.ServerAuthenticator;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.LinkListener;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.zmq.ZmqOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

/**
 * A bound peer's ROUTER socket. Every routing id that sends PING (or a first UPPER) becomes a link;
 * replies and calls to it carry its routing id. A remote is known gone when sending to its routing
 * id fails (ROUTER_MANDATORY): the endpoint probes all remotes with PING whenever the socket
 * reports a disconnect, and a connector of this project says BYE. Every heartbeat interval it PINGs
 * the remotes that were quiet for half the timeout and drops those that stayed silent for all of it
 * ({@code probeTick}): no ZMTP heartbeats, whose timers cost jeromq's I/O thread time that grows
 * with the square of the connections.
 *
 * <p>As a CURVE server, the endpoint registers with the context's ZAP handler before it binds, and
 * takes a remote's identity only from the {@link UserTokens} token that the ZAP handler gave its
 * connection: a message without a valid one is dropped (a client can name its own {@code User-Id}
 * in jeromq 0.6.0, and a connection that skipped ZAP has none). Plain endpoints have no identities.
 */
public final class RouterEndpoint extends LoopSocket
    implements Endpoint, ZmqLink.Sender, SharedContext.CurveServer {
  private static final Logger LOG = LoggerFactory.getLogger(RouterEndpoint.class);
  private static final AtomicLong IDS = new AtomicLong();

  /** Messages read per round before other sockets of the loop get a turn. */
  private static final int BATCH = 256;

  /** How many routing ids of departed connectors are remembered. */
  private static final int MAX_DEPARTED = 4096;

  /** At most one log line per this interval about dropped messages without a valid user id. */
  private static final long UNVERIFIED_LOG_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final String endpoint;
  private final TransportConfig config;
  private final LinkListener listener;
  private final ZmqOptions options;
  private final byte[] localCapabilities;
  private final Map<ByteBuffer, ZmqLink> links = new HashMap<>();
  private final Map<ZmqLink, byte[]> routingIds = new HashMap<>();

  /**
   * Routing ids of connectors that said BYE (the most recent ones): what they send later is
   * dropped.
   */
  private final Map<ByteBuffer, Boolean> departed =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Boolean> eldest) {
          return size() > MAX_DEPARTED;
        }
      };

  /**
   * Per remote, messages that met its high-water mark, in order; bounded (see {@link #sendNow}),
   * and counted in the remote's holder of the memory budget while here.
   */
  private final Map<ZmqLink, ArrayDeque<byte[][]>> backlogs = new LinkedHashMap<>();

  private final SendQueue outgoing;
  private ZMQ.Socket router;
  private IoLoop.Timer probeTimer;

  /** The probe after a disconnect, while pending ({@link #disconnectSeen}). */
  private IoLoop.Timer disconnectProbe;

  /** Whether a disconnect was seen while {@link #disconnectProbe} was pending. */
  private boolean probeAgain;

  /** When the last {@link #probe} ran ({@link System#nanoTime}). */
  private long lastProbe = System.nanoTime();

  /** Whether a read found the socket empty since the last {@link #probeTick} (loop thread). */
  private boolean drained;

  private volatile String boundAddress;

  /** Whether this CURVE server is registered with the ZAP handler. */
  private volatile boolean zapRegistered;

  /** The last token that verified, and its user: a connection's messages share one token object. */
  private String lastToken;

  private String lastUser;
  private long unverified;
  private long unverifiedLogged;
  private long nextUnverifiedLog;

  /** Why the endpoint was closed from outside its owner (its ZAP handler died), or null. */
  private volatile Throwable failure;

  private RouterEndpoint(
      SharedContext shared,
      URI address,
      TransportConfig config,
      LinkListener listener,
      ZmqOptions options)
      throws IOException {
    super(shared, null);
    this.endpoint = Addresses.toZmq(address, true);
    this.config = config;
    this.listener = listener;
    this.options = options;
    this.localCapabilities = config.localCapabilities().encode();
    this.outgoing = new SendQueue(loop, this::sendNow);
  }

  /**
   * Binds; returns once bound. A CURVE server registers with the ZAP handler (on the calling
   * thread) after it counts as a user of the context and before its socket binds on the loop.
   */
  public static RouterEndpoint bind(
      SharedContext shared,
      URI address,
      TransportConfig config,
      LinkListener listener,
      ZmqOptions options)
      throws IOException {
    Addresses.toZmq(address, true); // a bad address is refused before any resource is taken
    RouterEndpoint e = new RouterEndpoint(shared, address, config, listener, options);
    if (options.curveServer() != null) {
      // A use of our own until the registration is settled: the ZAP handler cannot stop in between.
      shared.acquire();
      try {
        e.zapRegistered = true; // first: a close while registering then unregisters
        shared.registerZap(e);
        if (e.closeRequested()) {
          shared.unregisterZap(e); // its close may have run before the registration took place
        }
      } catch (IOException | RuntimeException ex) {
        shared.unregisterZap(e);
        e.close();
        throw ex instanceof IOException io ? io : new IOException(ex.getMessage(), ex);
      } finally {
        shared.release();
      }
    }
    e.openAndWait(30_000, "bind " + address);
    return e;
  }

  @Override
  protected ZMQ.Socket open() throws IOException {
    ZMQ.Socket s = newSocket(SocketType.ROUTER);
    try {
      Sockets.configure(s, options, config);
      s.setRouterMandatory(true);
      ServerAuthenticator curve = options.curveServer();
      if (curve != null) {
        // The ZAP handler was bound before this socket (see bind()): every client key is checked.
        s.setZAPDomain(curve.domain());
        s.setCurveServer(true);
        s.setCurveSecretKey(curve.serverKeyPair().secretKey());
      }
      // Called on jeromq's I/O thread: a connection went away, find out which remote it was.
      s.base().setEventHook(event -> loop.post(this::disconnectSeen), ZMQ.EVENT_DISCONNECTED);
      s.bind(endpoint);
    } catch (RuntimeException e) {
      s.base().setEventHook(null, 0);
      s.close();
      throw e;
    }
    router = s;
    boundAddress = Addresses.fromZmq(router.getLastEndpoint());
    probeTimer = loop.schedule(options.heartbeatInterval().toMillis(), this::probeTick);
    return router;
  }

  /**
   * A connection ended: probe now, and once more a little later, since the socket may learn of the
   * ended pipe only after the event (jeromq delivers both from its I/O thread, in no fixed order).
   * A probe sends to every remote, so events close together share probes: one while the later probe
   * is pending only asks for another after it, and a probe that ran within that delay is not
   * repeated at once. Many connections ending together (a client host that restarts, a burst of
   * handshake retries) then cost about one probe per delay, not two per connection.
   */
  private void disconnectSeen() {
    if (!isOpen()) {
      return;
    }
    if (disconnectProbe != null) {
      probeAgain = true;
      return;
    }
    long delay = Math.min(100, options.heartbeatInterval().toMillis());
    if (System.nanoTime() - lastProbe >= TimeUnit.MILLISECONDS.toNanos(delay)) {
      probe();
    }
    disconnectProbe =
        loop.schedule(
            delay,
            () -> {
              disconnectProbe = null;
              if (isOpen()) {
                probe();
                if (probeAgain) {
                  probeAgain = false;
                  disconnectSeen(); // for the events that came while this one was pending
                }
              }
            });
  }

  /**
   * Once per heartbeat interval, each remote: one that sent nothing for the heartbeat timeout and
   * did not answer a PING of an earlier tick is dropped, if nothing of its can be waiting unread
   * (this loop read the socket to the end since the last tick, or nothing waits now); one quiet for
   * half the timeout gets a PING ({@link Sockets#pingAfterNanos}), which every Callosum peer
   * answers. A dropped connector of this project is told with BYE and starts a new handshake; what
   * it sends before that is dropped. A legacy (Python) remote that speaks again becomes a new link,
   * as a client that skipped PING does.
   */
  private void probeTick() {
    if (!isOpen()) {
      return;
    }
    boolean reading = drained || !Sockets.hasIn(router);
    drained = false;
    loop.again(this); // looking, and sending, may take the signal of incoming messages
    long now = System.nanoTime();
    long timeout = options.heartbeatTimeout().toNanos();
    long pingAfter = Sockets.pingAfterNanos(options);
    for (ZmqLink link : new ArrayList<>(links.values())) {
      long silence = link.silence(now);
      if (silence < pingAfter) {
        continue;
      }
      byte[] id = routingIds.get(link);
      if (silence > timeout && reading && link.wasAsked()) {
        if (!link.remoteCapabilities().isLegacy()) {
          trySend(new byte[][] {id, Frames.BYE, Frames.EMPTY, Frames.EMPTY});
          departed.put(ByteBuffer.wrap(id), Boolean.TRUE);
        }
        drop(
            link,
            new ConnectionLostException(
                "remote "
                    + link.id()
                    + " sent nothing for "
                    + silence / 1_000_000
                    + " ms (heartbeat timeout)"));
      } else {
        ping(link, id);
        link.asked();
      }
    }
    probeTimer = loop.schedule(options.heartbeatInterval().toMillis(), this::probeTick);
  }

  @Override
  boolean ready() {
    return readHolding(outgoing, this::readBatch);
  }

  /** Reads up to a batch of messages; true if it read any. */
  private boolean readBatch() {
    for (int i = 0; i < BATCH; i++) {
      Frames.Received message = Frames.receiveWithUser(router);
      if (message == null) {
        drained = true;
        if (flushBacklog()) {
          if (Sockets.hasIn(router)) {
            loop.again(this); // the sends took the signal of messages that came meanwhile
          } else if (!backlogs.isEmpty()) {
            backlogWaits(); // the look may have taken the signal of a pipe's new room
          }
        }
        return i > 0;
      }
      if (!zapRegistered) {
        handle(message.frames(), null); // plain: a User-Id property would be the client's own claim
      } else {
        String user = verifiedUser(message.userId());
        if (user == null) {
          dropUnverified();
        } else {
          handle(message.frames(), user.isEmpty() ? null : user);
        }
      }
      if (!isOpen()) {
        return true;
      }
      outgoing.handled(backlogs.isEmpty());
    }
    flushBacklog();
    loop.again(this); // more may be waiting: after the other sockets had their turn
    return true;
  }

  /** The user id that the ZAP handler vouched for with {@code token}, or null if it did not. */
  @SuppressWarnings("ReferenceEquality") // a cache of the last token object, not of its value
  private String verifiedUser(String token) {
    if (token == null) {
      return null;
    }
    if (token == lastToken) {
      return lastUser; // the same object: the metadata of a connection already checked
    }
    String user = shared.tokens().verify(options.curveServer().domain(), token);
    if (user != null) {
      lastToken = token;
      lastUser = user;
    }
    return user;
  }

  private void dropUnverified() {
    shared.countUnverifiedDrop();
    unverified++;
    long now = System.nanoTime();
    if (unverified == 1 || now - nextUnverifiedLog >= 0) {
      LOG.warn(
          "{}: dropped {} message(s) from connections without a user id from the ZAP handler (a"
              + " client naming its own User-Id, or a connection that skipped authentication); this"
              + " is logged at most every {} s",
          boundAddress,
          unverified - unverifiedLogged,
          TimeUnit.NANOSECONDS.toSeconds(UNVERIFIED_LOG_NANOS));
      unverifiedLogged = unverified;
      nextUnverifiedLog = now + UNVERIFIED_LOG_NANOS;
    }
  }

  /** One message; {@code userId} is the identity of its connection (null for none). Loop thread. */
  void handle(List<byte[]> frames, String userId) {
    if (frames.size() != 4) {
      LOG.debug("{}: dropped a message of {} frames", boundAddress, frames.size());
      return;
    }
    byte[] id = frames.get(0);
    byte[] kind = frames.get(1);
    ByteBuffer key = ByteBuffer.wrap(id);
    ZmqLink link = links.get(key);
    if (link != null && !Objects.equals(link.identity().orElse(null), userId)) {
      // A client chooses its own routing id: once the link's connection has gone, another user's
      // connection may take the id before a probe has noticed. It is not that link's remote.
      drop(
          link,
          new ConnectionLostException(
              "remote " + link.id() + " is gone: its routing id now belongs to another user"));
      link = null;
    }
    if (link != null) {
      link.heard();
    }
    if (Frames.is(kind, Frames.UPPER)) {
      if (link == null) {
        if (departed.containsKey(key)) {
          // Sent after its BYE: that connector is gone, and a Python peer never says BYE.
          LOG.debug("{}: dropped a message from a remote that said goodbye", boundAddress);
          return;
        }
        link = accept(id, Capabilities.LEGACY, userId); // a client that skipped PING (Python may)
      }
      listener.received(link, new Envelope(frames.get(2), frames.get(3)));
    } else if (Frames.is(kind, Frames.PING)) {
      Capabilities announced = Capabilities.decode(frames.get(2));
      if (link != null && link.remoteCapabilities().isLegacy() && !announced.isLegacy()) {
        // Requests of a reconnecting connector of ours overtook its PING (they were queued in its
        // socket when the connection came back): the link made for them took it for a Python
        // peer. Its calls were already failed on the connector's side; start over with what it
        // announces now.
        drop(
            link,
            new ConnectionLostException(
                "remote " + link.id() + " announced itself after its first request"));
        link = null;
      }
      Capabilities caps = link != null ? link.remoteCapabilities() : announced;
      // Python peers get their PING echoed, exactly as Python Callosum does; ours learn who we are.
      byte[] header = caps.isLegacy() ? frames.get(2) : localCapabilities;
      // Outside any backlog: a PONG that meets a full pipe is dropped, and the connector retries.
      trySend(new byte[][] {id, Frames.PONG, header, frames.get(3)});
      if (link == null) {
        departed.remove(key);
        accept(id, caps, userId);
      }
    } else if (Frames.is(kind, Frames.BYE)) {
      if (link != null) {
        departed.put(key, Boolean.TRUE);
        drop(link, null);
      }
    } else if (!Frames.is(kind, Frames.PONG)) {
      LOG.debug("{}: dropped a message of unknown kind from {}", boundAddress, link);
    }
  }

  private ZmqLink accept(byte[] id, Capabilities caps, String userId) {
    String linkId = "zmq-" + IDS.incrementAndGet();
    ZmqLink link =
        new ZmqLink(
            linkId,
            caps,
            userId,
            this,
            shared.memory().holder(linkId + " at " + boundAddress),
            options.highWaterMark(),
            options.heartbeatInterval().toNanos());
    links.put(ByteBuffer.wrap(id), link);
    routingIds.put(link, id);
    listener.connected(link);
    return link;
  }

  private void drop(ZmqLink link, Throwable cause) {
    if (link.markClosed()) {
      byte[] id = routingIds.remove(link);
      if (id != null) {
        links.remove(ByteBuffer.wrap(id));
      }
      dropBacklog(link, backlogs.remove(link));
      listener.disconnected(link, cause);
    }
  }

  /** Sends PING to every remote; one whose routing id is gone is disconnected. */
  private void probe() {
    lastProbe = System.nanoTime();
    loop.again(this);
    for (ZmqLink link : new ArrayList<>(links.values())) {
      ping(link, routingIds.get(link));
    }
  }

  /** Sends PING to {@code link}; if its routing id is gone, it is disconnected. */
  private void ping(ZmqLink link, byte[] id) {
    if (!Frames.send(router, id, Frames.PING, Frames.EMPTY, Frames.EMPTY)
        && router.errno() == ZMQ.Error.EHOSTUNREACH.getCode()) {
      drop(link, new ConnectionLostException("remote " + link.id() + " disconnected"));
    }
  }

  /**
   * Sends an RPC message to {@code link} now, or queues it behind that remote's earlier messages
   * that met its high-water mark. Each remote has its own queue, so one that stops reading delays
   * only itself; a remote whose queue reaches the high-water mark again is not reading at all and
   * is disconnected (its calls fail with "connection lost").
   */
  private void sendNow(ZmqLink link, byte[] id, byte[] kind, byte[] header, byte[] body) {
    loop.again(this); // a send may take the signal of incoming messages: look again this round
    byte[][] message = {id, kind, header, body};
    ArrayDeque<byte[][]> queue = backlogs.get(link);
    if (queue == null) {
      if (trySend(message)) {
        return;
      }
      // errno only means something right after a send that failed: jeromq never clears it.
      if (router.errno() == ZMQ.Error.EHOSTUNREACH.getCode()) {
        dropSoon(link, new ConnectionLostException("remote " + link.id() + " disconnected"));
        return;
      }
      queue = new ArrayDeque<>();
      backlogs.put(link, queue);
    }
    if (queue.size() >= options.highWaterMark()) {
      LOG.warn(
          "{}: remote {} is not reading ({} messages queued beyond its high-water mark);"
              + " disconnecting it",
          boundAddress,
          link.id(),
          queue.size());
      dropSoon(link, new ConnectionLostException("remote " + link.id() + " stopped reading"));
      return;
    }
    link.memory().add(size(message));
    link.waits();
    queue.add(message);
    backlogWaits();
  }

  /**
   * Drops {@code link} now on the loop thread; on a thread that entered the loop to send (a
   * handler's reply), in a task of the loop, so that the core hears of the disconnect on the loop
   * thread, as always, and never inside the send of a reply.
   */
  private void dropSoon(ZmqLink link, Throwable cause) {
    if (loop.inLoop()) {
      drop(link, cause);
    } else {
      loop.post(() -> drop(link, cause));
    }
  }

  private static long size(byte[][] message) {
    return (long) message[2].length + message[3].length;
  }

  /** What {@code link}'s backlog held is let go (null: it had none). */
  private static void dropBacklog(ZmqLink link, ArrayDeque<byte[][]> queue) {
    if (queue != null) {
      for (byte[][] m : queue) {
        link.memory().release(size(m));
        link.moved();
      }
      queue.clear();
    }
  }

  private boolean trySend(byte[][] message) {
    return Frames.send(router, message);
  }

  /**
   * Sends what the remotes' backlogs hold, as far as they take it; true if it tried to send
   * anything. A send processes the socket's commands, which takes the signal of messages that came
   * meanwhile: after one, the caller looks whether any wait ({@link Sockets#hasIn}).
   */
  private boolean flushBacklog() {
    boolean tried = !backlogs.isEmpty();
    for (Iterator<Map.Entry<ZmqLink, ArrayDeque<byte[][]>>> it = backlogs.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<ZmqLink, ArrayDeque<byte[][]>> entry = it.next();
      ArrayDeque<byte[][]> queue = entry.getValue();
      ZmqLink link = entry.getKey();
      while (!queue.isEmpty() && trySend(queue.peek())) {
        link.memory().release(size(queue.poll()));
        link.moved();
      }
      if (queue.isEmpty()) {
        it.remove();
      } else if (router.errno() == ZMQ.Error.EHOSTUNREACH.getCode()) {
        it.remove();
        dropBacklog(link, queue);
        dropLater.add(link);
      }
    }
    for (ZmqLink gone : dropLater) {
      drop(gone, new ConnectionLostException("remote " + gone.id() + " disconnected"));
    }
    dropLater.clear();
    return tried;
  }

  private final List<ZmqLink> dropLater = new ArrayList<>();

  /**
   * Loop thread, or one that entered the loop: one envelope handed over by {@link #send(ZmqLink,
   * Envelope)}.
   */
  private void sendNow(ZmqLink link, Envelope envelope) {
    byte[] id = routingIds.get(link);
    if (id != null && link.isOpen() && isOpen()) {
      sendNow(link, id, Frames.UPPER, envelope.header(), envelope.body());
    }
  }

  @Override
  public boolean send(ZmqLink link, Envelope envelope) {
    return outgoing.add(link, envelope);
  }

  @Override
  public void close(ZmqLink link) {
    loop.execute(() -> drop(link, null));
  }

  /** Runs {@code task} on this endpoint's loop (for tests). */
  boolean post(Runnable task) {
    return loop.post(task);
  }

  @Override
  public String address() {
    return boundAddress;
  }

  @Override
  public ServerAuthenticator authenticator() {
    return options.curveServer();
  }

  @Override
  public void closeWithoutZap(Throwable cause) {
    LOG.error(
        "{}: closing this CURVE server: its ZAP handler failed, and jeromq lets every client in"
            + " without one",
        boundAddress != null ? boundAddress : endpoint);
    failure = cause;
    close();
  }

  @Override
  protected void closeSockets() {
    Throwable why = failure;
    for (ZmqLink link : new ArrayList<>(links.values())) {
      drop(
          link,
          new ConnectionLostException(
              why == null
                  ? "peer at " + boundAddress + " closed"
                  : "peer at " + boundAddress + " closed: its ZAP handler failed (" + why + ")"));
    }
    backlogs.forEach(RouterEndpoint::dropBacklog);
    backlogs.clear();
    outgoing.clear();
    if (probeTimer != null) {
      probeTimer.cancel();
    }
    if (disconnectProbe != null) {
      disconnectProbe.cancel();
      disconnectProbe = null;
    }
    if (router != null) {
      closeAndWait(router); // the port refuses connections once close returns
      router = null;
    }
    if (zapRegistered) {
      shared.unregisterZap(this); // after the socket is closed: it never listens unguarded
      zapRegistered = false;
    }
  }
}
