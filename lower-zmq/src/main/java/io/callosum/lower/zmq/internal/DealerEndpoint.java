package io.callosum.lower.zmq.internal;

import io.callosum.AuthenticationException;
import io.callosum.CallosumException;
import io.callosum.ConnectionLostException;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.LinkListener;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.zmq.ZmqOptions;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

/**
 * A connecting peer's DEALER socket, served by one of its transport's {@link IoLoop}s. The
 * handshake is Python Callosum's PING/PONG, with this peer's capabilities in the PING header frame:
 * a Java server answers with its own, a Python server echoes ours (or we get nothing back), which
 * marks it legacy.
 *
 * <p>The PING is queued with the connect, so it leaves as soon as ZeroMQ's own handshake is done,
 * without waiting for this loop. jeromq 0.6.0's I/O thread sometimes leaves a new connection
 * unregistered with its selector (docs/PERFORMANCE.md, ZeroMQ), and the connection then hears
 * nothing: while the connection's ZMTP greeting is late, the connector nudges that thread ({@link
 * GreetingWatch}). A handshake that still gets no PONG within {@link ZmqOptions#handshakeRetry()}
 * of the TCP connection is retried on a fresh socket. When the connection drops, the link is
 * reported lost at once; ZeroMQ reconnects by itself and a new handshake makes a new link. A server
 * that stays silent for the heartbeat timeout (no reply, no answer to PING) is taken for gone and a
 * fresh socket tried ({@code livenessTick}); one that says BYE has dropped us, and a new handshake
 * starts on the same connection.
 *
 * <p>Socket events come from a jeromq event hook (no monitor sockets: the peer uses one socket).
 * {@link #send} hands envelopes to the loop in batches: a burst costs one hand-off, and a send on
 * the loop thread itself (a handler or completion running there) goes out at once.
 */
public final class DealerEndpoint extends LoopSocket implements Endpoint, ZmqLink.Sender {
  private static final Logger LOG = LoggerFactory.getLogger(DealerEndpoint.class);
  private static final AtomicLong IDS = new AtomicLong();

  /** Messages read per round before other sockets of the loop get a turn. */
  private static final int BATCH = 256;

  /**
   * Fresh sockets tried before a CURVE connector that reaches the server but hears nothing gives
   * up: a wrong server key shows only as silence.
   */
  private static final int CURVE_ATTEMPTS = 3;

  private static final int EVENTS =
      GreetingWatch.EVENTS
          | zmq.ZMQ.ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
          | zmq.ZMQ.ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
          | zmq.ZMQ.ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;

  private enum State {
    /** The PING is on its way (queued with the connect); no PONG yet. */
    HANDSHAKING,
    UP,
    RECONNECTING
  }

  private final URI address;
  private final String endpoint;
  private final boolean inproc;
  private final TransportConfig config;
  private final LinkListener listener;
  private final ZmqOptions options;
  private final byte[] ping;
  private final long deadline;
  private final CompletableFuture<ZmqLink> first = new CompletableFuture<>();

  /** Messages that met the socket's high-water mark, in order (loop thread). */
  private final ArrayDeque<Waiting> backlog = new ArrayDeque<>();

  private final SendQueue outgoing;
  private ZMQ.Socket dealer;

  /** Bumped with every fresh socket: events of an older one are ignored. */
  private int generation;

  private State state = State.HANDSHAKING;
  private IoLoop.Timer retry;
  private IoLoop.Timer deadlineTimer;

  /** While up: the next look at whether the server is still heard ({@link #livenessTick}). */
  private IoLoop.Timer liveness;

  /** Whether a read found the socket empty since the last {@link #livenessTick}. */
  private boolean drained;

  /** Nudges jeromq's I/O thread while a new connection's ZMTP greeting is late. */
  private final GreetingWatch greeting;

  /** A cut of a server that does not read is posted and has not run yet (loop thread). */
  private boolean cutting;

  /** A message was dropped for want of budget since the cut was posted: it cuts for sure. */
  private boolean overBudget;

  private int attempts;
  private boolean reachedTcp;
  private boolean authFailed;
  private ZmqLink link;

  private DealerEndpoint(
      SharedContext shared,
      URI address,
      TransportConfig config,
      LinkListener listener,
      ZmqOptions options)
      throws IOException {
    super(shared, null);
    this.address = address;
    this.endpoint = Addresses.toZmq(address, false);
    this.inproc = endpoint.startsWith("inproc://");
    this.config = config;
    this.listener = listener;
    this.options = options;
    Capabilities local = config.localCapabilities();
    // A legacy announcement is an empty PING, as Python Callosum sends.
    this.ping = local.isLegacy() ? Frames.EMPTY : local.encode();
    this.deadline = System.currentTimeMillis() + config.connectTimeout().toMillis();
    this.outgoing = new SendQueue(loop, this::sendNow);
    this.greeting = new GreetingWatch(loop, shared, context);
  }

  /** Connects, completing the handshake before returning. */
  public static DealerEndpoint connect(
      SharedContext shared,
      URI address,
      TransportConfig config,
      LinkListener listener,
      ZmqOptions options)
      throws IOException {
    Addresses.toZmq(address, false); // a bad address is refused before any resource is taken
    DealerEndpoint e = new DealerEndpoint(shared, address, config, listener, options);
    e.startOpen();
    try {
      e.first.get(config.connectTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
      return e;
    } catch (ExecutionException ex) {
      e.close();
      if (ex.getCause() instanceof CallosumException) {
        throw (CallosumException) ex.getCause();
      }
      if (ex.getCause() instanceof IOException) {
        throw new IOException(
            "cannot connect to " + address + ": " + ex.getCause().getMessage(), ex.getCause());
      }
      throw new IOException("cannot connect to " + address + ": " + ex.getCause(), ex.getCause());
    } catch (TimeoutException ex) {
      e.close();
      throw new ConnectionLostException("connect to " + address + " timed out");
    } catch (InterruptedException ex) {
      e.close();
      Thread.currentThread().interrupt();
      throw new ConnectionLostException("interrupted while connecting to " + address, ex);
    }
  }

  @Override
  protected ZMQ.Socket open() throws IOException {
    // A failure is passed on to first, which the connecting thread waits for.
    var unused =
        opened.whenComplete(
            (v, t) -> {
              if (t != null) {
                first.completeExceptionally(t);
              }
            });
    freshSocket();
    deadlineTimer =
        loop.schedule(Math.max(0, deadline - System.currentTimeMillis()), this::deadlinePassed);
    return dealer;
  }

  /** A new DEALER (closing the previous one), connecting; the PING goes once it is connected. */
  private void freshSocket() throws IOException {
    greeting.stop();
    if (dealer != null) {
      dealer.base().setEventHook(null, 0);
      dealer.setLinger(0);
      dealer.close();
      dealer = null;
    }
    attempts++;
    int gen = ++generation;
    ZMQ.Socket s = newSocket(SocketType.DEALER);
    try {
      Sockets.configure(s, options, config);
      s.setReconnectIVL((int) options.reconnectInterval().toMillis());
      s.setReconnectIVLMax(10_000);
      ClientAuthenticator curve = options.curveClient();
      if (curve != null) {
        s.setCurveServerKey(curve.serverPublicKey().bytes());
        s.setCurvePublicKey(curve.clientKeyPair().publicKey().bytes());
        s.setCurveSecretKey(curve.clientKeyPair().secretKey());
      }
      // Called on jeromq's I/O thread: hand the event to the loop.
      s.base()
          .setEventHook(
              event -> {
                shared.ioThreadEvent(event.event);
                loop.post(() -> onEvent(gen, event.event));
              },
              EVENTS);
      s.connect(endpoint);
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    dealer = s;
    if (isOpen()) {
      watch(s); // a fresh socket of a retry; the first one is watched once open() returns
    }
    // Queued now, the PING leaves as soon as ZeroMQ's handshake is done, on jeromq's I/O thread.
    sendPing();
    if (inproc) {
      armRetry(); // no TCP connection to wait for, and no CONNECTED event
    }
  }

  private void sendPing() {
    state = State.HANDSHAKING;
    Frames.send(dealer, Frames.PING, ping, Frames.EMPTY);
  }

  /** The PONG is due within the handshake retry from now. */
  private void armRetry() {
    if (retry != null) {
      retry.cancel();
    }
    retry = loop.schedule(options.handshakeRetry().toMillis(), this::retryHandshake);
  }

  @Override
  boolean ready() {
    return readHolding(outgoing, this::readBatch);
  }

  /** Reads up to a batch of messages; true if it read any. */
  private boolean readBatch() {
    for (int i = 0; i < BATCH; i++) {
      List<byte[]> frames = Frames.receive(dealer);
      if (frames == null) {
        drained = true;
        if (flushBacklog()) {
          if (Sockets.hasIn(dealer)) {
            loop.again(this); // the sends took the signal of messages that came meanwhile
          } else if (!backlog.isEmpty()) {
            backlogWaits(); // the look may have taken the signal of the pipe's new room
          }
        }
        return i > 0;
      }
      handle(frames);
      if (dealer == null) {
        return true;
      }
      outgoing.handled(backlog.isEmpty());
    }
    flushBacklog();
    loop.again(this); // more may be waiting: after the other sockets had their turn
    return true;
  }

  private void onEvent(int gen, int event) {
    if (gen != generation || !isOpen()) {
      return;
    }
    greeting.onEvent(event);
    if (event == ZMQ.EVENT_CONNECTED) {
      reachedTcp = true;
      if (state == State.RECONNECTING) {
        sendPing(); // a new connection after a lost one: a new handshake
        armRetry();
      } else if (state == State.HANDSHAKING && retry == null) {
        armRetry(); // the first connection: the PING queued with the connect leaves on it
      }
    } else if (event == ZMQ.EVENT_DISCONNECTED) {
      if (state == State.UP) {
        readRest();
        state = State.RECONNECTING;
        lose(new ConnectionLostException("connection to " + address + " lost"));
      }
    } else if (event == zmq.ZMQ.ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
        || event == zmq.ZMQ.ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
        || event == zmq.ZMQ.ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
      authFailed = true;
      if (!first.isDone()) {
        // Give up at once: ZeroMQ would retry the failing security handshake in a tight loop.
        first.completeExceptionally(failure());
        stopTrying();
        dealer.disconnect(endpoint);
      }
    }
  }

  /**
   * Delivers what the socket received before its connection ended: the last replies of a server
   * that finished its calls and closed (its shutdown) arrive before the link is reported lost.
   * Bounded by the socket's receive high-water mark.
   */
  private void readRest() {
    readHolding(
        outgoing,
        () -> {
          List<byte[]> frames;
          while (dealer != null && state == State.UP && (frames = Frames.receive(dealer)) != null) {
            handle(frames);
          }
          return true;
        });
  }

  private void handle(List<byte[]> frames) {
    if (frames.size() != 3) {
      LOG.debug("{}: dropped a message of {} frames", address, frames.size());
      return;
    }
    byte[] kind = frames.get(0);
    if (state == State.UP) {
      link.heard();
    }
    if (Frames.is(kind, Frames.UPPER)) {
      if (state == State.UP && link.isOpen()) {
        listener.received(link, new Envelope(frames.get(1), frames.get(2)));
      }
    } else if (Frames.is(kind, Frames.PONG)) {
      if (state == State.HANDSHAKING) {
        up(frames.get(1));
      }
    } else if (Frames.is(kind, Frames.PING)) {
      send(new byte[][] {Frames.PONG, frames.get(1), frames.get(2)}, null);
    } else if (Frames.is(kind, Frames.BYE)) {
      if (state == State.UP) {
        droppedByServer();
      }
    }
  }

  /**
   * A Java server dropped us (it heard nothing from us within its heartbeat timeout) and said BYE:
   * the link is lost, and a new handshake starts on the same connection.
   */
  private void droppedByServer() {
    state = State.RECONNECTING;
    lose(
        new ConnectionLostException(
            address + " dropped this connection: it heard nothing from us within its timeout"));
    sendPing();
    armRetry();
  }

  /**
   * Once per heartbeat interval while up. A server that sent nothing for the heartbeat timeout — no
   * reply, no PING of its probes — and did not answer a PING of an earlier tick is taken for gone,
   * if nothing of its can be waiting unread (this loop read the socket to the end since the last
   * tick, or nothing waits now): the link is lost and a fresh connection tried (a dead host shows
   * only as silence). One quiet for half the timeout gets a PING ({@link Sockets#pingAfterNanos}),
   * which every Callosum peer answers.
   */
  private void livenessTick() {
    liveness = null;
    if (state != State.UP || !isOpen()) {
      return;
    }
    long silence = link.silence(System.nanoTime());
    boolean reading = drained || !Sockets.hasIn(dealer); // nothing of the server's waits unread
    drained = false;
    loop.again(this); // looking, and sending, may take the signal of incoming messages
    if (silence > options.heartbeatTimeout().toNanos() && reading && link.wasAsked()) {
      LOG.info("{}: nothing heard for {} ms; reconnecting", address, silence / 1_000_000);
      reconnect(
          new ConnectionLostException(
              address + " sent nothing for " + silence / 1_000_000 + " ms (heartbeat timeout)"));
      return;
    }
    if (silence >= Sockets.pingAfterNanos(options)) {
      // Python's own PING for a Python server; ours for a Java one, which may have dropped us
      byte[] announce = link.remoteCapabilities().isLegacy() ? Frames.EMPTY : ping;
      send(new byte[][] {Frames.PING, announce, Frames.EMPTY}, null);
      link.asked();
    }
    liveness = loop.schedule(options.heartbeatInterval().toMillis(), this::livenessTick);
  }

  private void up(byte[] pongHeader) {
    // Python echoes our PING: an echo of our own announcement means a legacy peer.
    Capabilities remote =
        Arrays.equals(pongHeader, ping) ? Capabilities.LEGACY : Capabilities.decode(pongHeader);
    cancelTimers();
    String id = "zmq-" + IDS.incrementAndGet();
    link =
        new ZmqLink(
            id,
            remote,
            null,
            this,
            shared.memory().holder(id + "(" + address + ")"),
            options.highWaterMark(),
            options.heartbeatInterval().toNanos());
    state = State.UP;
    liveness = loop.schedule(options.heartbeatInterval().toMillis(), this::livenessTick);
    listener.connected(link);
    first.complete(link);
  }

  private void lose(Throwable cause) {
    ZmqLink l = link;
    backlog.forEach(Waiting::moved);
    backlog.clear();
    if (l != null && l.markClosed()) {
      listener.disconnected(l, cause);
    }
  }

  /**
   * No PONG within the handshake retry: a fresh socket, unless a CURVE server keeps silent (a wrong
   * key).
   */
  private void retryHandshake() {
    retry = null;
    if (state != State.HANDSHAKING || (first.isDone() && link == null) || !isOpen()) {
      return;
    }
    long now = System.currentTimeMillis();
    boolean curveSilence =
        options.curveClient() != null && reachedTcp && attempts >= CURVE_ATTEMPTS;
    if (!first.isDone() && (now >= deadline || curveSilence)) {
      first.completeExceptionally(failure());
      stopTrying();
      return;
    }
    LOG.debug("{}: no PONG after attempt {}, retrying on a fresh socket", address, attempts);
    try {
      freshSocket();
    } catch (IOException e) {
      if (!first.isDone()) {
        first.completeExceptionally(e);
      }
      stopTrying();
    }
  }

  private void deadlinePassed() {
    deadlineTimer = null;
    if (!first.isDone()) {
      first.completeExceptionally(failure());
      stopTrying();
    }
  }

  /** The connect has failed: no more attempts (the caller closes this endpoint). */
  private void stopTrying() {
    state = State.RECONNECTING;
    cancelTimers();
  }

  private void cancelTimers() {
    greeting.stop();
    if (retry != null) {
      retry.cancel();
      retry = null;
    }
    if (deadlineTimer != null) {
      deadlineTimer.cancel();
      deadlineTimer = null;
    }
    if (liveness != null) {
      liveness.cancel();
      liveness = null;
    }
  }

  private CallosumException failure() {
    long ms = config.connectTimeout().toMillis();
    if (authFailed) {
      return new AuthenticationException(
          "the ZeroMQ handshake with "
              + address
              + " failed: the server refused our credentials, or we have the wrong server key");
    }
    if (!reachedTcp && !inproc) {
      return new ConnectionLostException(
          "cannot reach " + address + ": no connection within " + ms + " ms");
    }
    if (options.curveClient() != null) {
      // Connected, yet no answer through CURVE: ZeroMQ reports a wrong server key only by silence.
      return new AuthenticationException(
          "connected to "
              + address
              + ", but the CURVE handshake did not complete on "
              + attempts
              + " fresh sockets ("
              + attempts * options.handshakeRetry().toMillis()
              + " ms): the server public key is wrong, or the server refused our key");
    }
    return new ConnectionLostException(
        address
            + " accepted the connection but gave no Callosum handshake answer within "
            + ms
            + " ms (not a Callosum peer, a security mismatch, or its receive loop is not running)");
  }

  /**
   * A message in the backlog, and the link it waits for (null: not one of a link's envelopes),
   * whose memory holder counts its header and body while it waits ({@link #send}).
   */
  private record Waiting(byte[][] message, ZmqLink link) {
    /** It went on, or was dropped. */
    void moved() {
      if (link != null) {
        link.memory().release(size(message));
        link.moved();
      }
    }

    static long size(byte[][] message) {
      return (long) message[1].length + message[2].length;
    }
  }

  /**
   * Sends {@code message}, or queues it behind the backlog; an envelope of {@code link}'s waits,
   * counted in its memory holder. One that the memory budget has no room for is dropped and the
   * link cut, as is the link of a server that does not read ({@link #notReading}).
   */
  private void send(byte[][] message, ZmqLink link) {
    if (!backlog.isEmpty() || !Frames.send(dealer, message)) {
      if (link != null && !link.memory().tryAdd(Waiting.size(message))) {
        notReading(true); // the message goes with the link it was for
        return;
      }
      if (backlog.size() >= options.highWaterMark() && state == State.UP && this.link.stalled()) {
        notReading(false);
      }
      if (link != null) {
        link.waits();
      }
      backlog.add(new Waiting(message, link));
      backlogWaits();
    }
    loop.again(this); // a send may have taken the signal of incoming messages
  }

  /**
   * The server does not read: the memory budget had no room for another message waiting for it
   * ({@code dropped}: that message was dropped, so the link is cut whatever happens meanwhile), or
   * the backlog holds the high-water mark of messages for it, whose pipe is full too, and none of
   * them moved for the stall time (the heartbeat interval). A server that keeps calling and never
   * reads the answers would otherwise grow the backlog without end; one that reads, however slowly,
   * is waited for within the budget. As the ROUTER does with a client that stops reading, the link
   * is lost with what waits for it, and a fresh connection is tried: in a task of the loop, posted
   * once (this may run on a thread that entered the loop, or inside a read), if the server still
   * does not read then.
   */
  private void notReading(boolean dropped) {
    overBudget |= dropped;
    if (cutting) {
      return;
    }
    cutting = true;
    loop.post(
        () -> {
          cutting = false;
          boolean overBudget = this.overBudget;
          this.overBudget = false;
          int held = backlog.size();
          boolean stalled = held >= options.highWaterMark() && link != null && link.stalled();
          if (state == State.UP && isOpen() && (overBudget || stalled)) {
            String why =
                overBudget
                    ? held + " messages wait for it, and the memory budget holds no more"
                    : held + " messages queued beyond its high-water mark";
            LOG.warn("{}: the server is not reading ({}); reconnecting", address, why);
            reconnect(new ConnectionLostException(address + " stopped reading: " + why));
          }
        });
  }

  /** The link is lost with {@code cause}, and a fresh connection is tried (loop thread). */
  private void reconnect(ConnectionLostException cause) {
    state = State.RECONNECTING;
    lose(cause);
    try {
      freshSocket();
    } catch (IOException | RuntimeException e) {
      LOG.warn("{}: cannot open a fresh socket: {}", address, e.toString());
      stopTrying();
    }
  }

  /**
   * Sends what the backlog holds, as far as the socket takes it; true if it tried to send anything
   * (which may take the signal of incoming messages, see {@link Sockets#hasIn}).
   */
  private boolean flushBacklog() {
    boolean tried = !backlog.isEmpty();
    while (!backlog.isEmpty() && Frames.send(dealer, backlog.peek().message())) {
      backlog.poll().moved();
    }
    return tried;
  }

  /**
   * Loop thread, or one that entered the loop: one envelope handed over by {@link #send(ZmqLink,
   * Envelope)}.
   */
  private void sendNow(ZmqLink l, Envelope envelope) {
    if (l == link && l.isOpen() && isOpen()) {
      send(new byte[][] {Frames.UPPER, envelope.header(), envelope.body()}, l);
    }
  }

  @Override
  public boolean send(ZmqLink l, Envelope envelope) {
    return outgoing.add(l, envelope);
  }

  @Override
  public void close(ZmqLink l) {
    loop.execute(
        () -> {
          if (l == link) {
            lose(null);
          }
        });
  }

  @Override
  public String address() {
    return address.toString();
  }

  @Override
  protected void closeSockets() {
    stopTrying();
    if (dealer != null && link != null && link.isOpen() && !link.remoteCapabilities().isLegacy()) {
      Frames.send(
          dealer, Frames.BYE, Frames.EMPTY, Frames.EMPTY); // lets a Java server drop us at once
    }
    if (!first.isDone()) {
      first.completeExceptionally(
          new ConnectionLostException("closed while connecting to " + address));
    }
    lose(null);
    outgoing.clear();
    if (dealer != null) {
      dealer.base().setEventHook(null, 0);
      if (link == null) {
        dealer.setLinger(
            0); // never connected: nothing worth delivering, so don't wait for the PING
      }
      dealer.close();
      dealer = null;
    }
  }
}
