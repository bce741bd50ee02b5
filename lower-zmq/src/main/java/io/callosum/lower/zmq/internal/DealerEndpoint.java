package io.callosum.lower.zmq.internal;

import io.callosum.AuthenticationException;
import io.callosum.CallosumException;
import io.callosum.ConnectionLostException;
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
import io.callosum.auth.ClientAuthenticator;

/**
 * A connecting peer's DEALER socket. The handshake is Python Callosum's PING/PONG, with this
 * peer's capabilities in the PING header frame: a Java server answers with its own, a Python
 * server echoes ours (or we get nothing back), which marks it legacy. A handshake that gets no
 * PONG within {@link ZmqOptions#handshakeRetry()} is retried on a fresh socket (a fresh jeromq
 * DEALER sometimes stalls its first message). When the connection drops, the link is reported
 * lost at once; ZeroMQ reconnects by itself and a new handshake makes a new link.
 */
public final class DealerEndpoint extends Loop implements Endpoint, ZmqLink.Sender {
  private static final Logger LOG = LoggerFactory.getLogger(DealerEndpoint.class);
  private static final AtomicLong IDS = new AtomicLong();
  /**
   * Fresh sockets tried before a CURVE connector that reaches the server but hears nothing gives
   * up: a wrong server key shows only as silence, while a stalled first message (jeromq #912)
   * clears on the next socket.
   */
  private static final int CURVE_ATTEMPTS = 3;

  private enum State {
    HANDSHAKING,
    UP,
    RECONNECTING
  }

  private final URI address;
  private final String endpoint;
  private final TransportConfig config;
  private final LinkListener listener;
  private final ZmqOptions options;
  private final byte[] ping;
  private final long deadline;
  private final CompletableFuture<ZmqLink> first = new CompletableFuture<>();
  private final ArrayDeque<byte[][]> backlog = new ArrayDeque<>();
  private ZMQ.Poller poller;
  private ZMQ.Socket dealer;
  private ZMQ.Socket monitor;
  private int dealerIndex = -1;
  private int monitorIndex = -1;
  private State state = State.HANDSHAKING;
  private long retryAt;
  private int attempts;
  private boolean reachedTcp;
  private boolean authFailed;
  private ZmqLink link;

  private DealerEndpoint(SharedContext shared, URI address, TransportConfig config, LinkListener listener, ZmqOptions options) throws IOException {
    super(shared, "callosum-zmq-io-" + address.getSchemeSpecificPart().replaceFirst("^//", "") + "-c" + IDS.incrementAndGet());
    this.address = address;
    this.endpoint = Addresses.toZmq(address, false);
    this.config = config;
    this.listener = listener;
    this.options = options;
    Capabilities local = config.localCapabilities();
    // A legacy announcement is an empty PING, as Python Callosum sends.
    this.ping = local.isLegacy() ? Frames.EMPTY : local.encode();
    this.deadline = System.currentTimeMillis() + config.connectTimeout().toMillis();
  }

  /** Connects, completing the handshake before returning. */
  public static DealerEndpoint connect(SharedContext shared, URI address, TransportConfig config, LinkListener listener, ZmqOptions options) throws IOException {
    DealerEndpoint e = new DealerEndpoint(shared, address, config, listener, options);
    e.startThread();
    try {
      e.first.get(config.connectTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
      return e;
    } catch (ExecutionException ex) {
      e.stop();
      if (ex.getCause() instanceof CallosumException) {
        throw (CallosumException) ex.getCause();
      }
      throw new IOException("cannot connect to " + address + ": " + ex.getCause(), ex.getCause());
    } catch (TimeoutException ex) {
      e.stop();
      throw new ConnectionLostException("connect to " + address + " timed out");
    } catch (InterruptedException ex) {
      e.stop();
      Thread.currentThread().interrupt();
      throw new ConnectionLostException("interrupted while connecting to " + address, ex);
    }
  }

  @Override
  protected void open(ZMQ.Poller poller) {
    this.poller = poller;
    freshSocket();
  }

  /** A new DEALER (closing the previous one), connected, with the PING sent. */
  private void freshSocket() {
    if (dealer != null) {
      poller.unregister(dealer);
      poller.unregister(monitor);
      dealer.setLinger(0);
      Sockets.close(dealer, monitor);
    }
    attempts++;
    dealer = context.socket(SocketType.DEALER);
    Sockets.configure(dealer, options, config);
    dealer.setReconnectIVL((int) options.reconnectInterval().toMillis());
    dealer.setReconnectIVLMax(10_000);
    ClientAuthenticator curve = options.curveClient();
    if (curve != null) {
      dealer.setCurveServerKey(curve.serverPublicKey().bytes());
      dealer.setCurvePublicKey(curve.clientKeyPair().publicKey().bytes());
      dealer.setCurveSecretKey(curve.clientKeyPair().secretKey());
    }
    monitor = Sockets.monitor(context, dealer, ZMQ.EVENT_CONNECTED | ZMQ.EVENT_DISCONNECTED
        | zmq.ZMQ.ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | zmq.ZMQ.ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
        | zmq.ZMQ.ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
    dealer.connect(endpoint);
    dealerIndex = poller.register(dealer, ZMQ.Poller.POLLIN);
    monitorIndex = poller.register(monitor, ZMQ.Poller.POLLIN);
    sendPing();
  }

  private void sendPing() {
    Frames.send(dealer, Frames.PING, ping, Frames.EMPTY);
    retryAt = System.currentTimeMillis() + options.handshakeRetry().toMillis();
  }

  @Override
  protected void pollIn(ZMQ.Poller poller) {
    if (poller.pollin(monitorIndex)) {
      ZMQ.Event event;
      while ((event = ZMQ.Event.recv(monitor, ZMQ.DONTWAIT)) != null) {
        onEvent(event.getEvent());
      }
    }
    if (poller.pollin(dealerIndex)) {
      for (int i = 0; i < 512; i++) {
        List<byte[]> frames = Frames.receive(dealer);
        if (frames == null) {
          break;
        }
        handle(frames);
      }
    }
    flushBacklog();
  }

  private void onEvent(int event) {
    if (event == ZMQ.EVENT_CONNECTED) {
      reachedTcp = true;
      if (state == State.RECONNECTING) {
        state = State.HANDSHAKING;
        sendPing();
      }
    } else if (event == ZMQ.EVENT_DISCONNECTED) {
      if (state == State.UP) {
        state = State.RECONNECTING;
        lose(new ConnectionLostException("connection to " + address + " lost"));
      }
    } else if (event == zmq.ZMQ.ZMQ_EVENT_HANDSHAKE_FAILED_AUTH || event == zmq.ZMQ.ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
        || event == zmq.ZMQ.ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
      authFailed = true;
      if (!first.isDone()) {
        // Give up at once: ZeroMQ would retry the failing security handshake in a tight loop.
        first.completeExceptionally(failure());
        state = State.RECONNECTING;
        dealer.disconnect(endpoint);
      }
    }
  }

  private void handle(List<byte[]> frames) {
    if (frames.size() != 3) {
      LOG.debug("{}: dropped a message of {} frames", address, frames.size());
      return;
    }
    byte[] kind = frames.get(0);
    if (Frames.is(kind, Frames.UPPER)) {
      if (state == State.UP && link.isOpen()) {
        listener.received(link, new Envelope(frames.get(1), frames.get(2)));
      }
    } else if (Frames.is(kind, Frames.PONG)) {
      if (state == State.HANDSHAKING) {
        up(frames.get(1));
      }
    } else if (Frames.is(kind, Frames.PING)) {
      send(new byte[][] {Frames.PONG, frames.get(1), frames.get(2)});
    }
  }

  private void up(byte[] pongHeader) {
    // Python echoes our PING: an echo of our own announcement means a legacy peer.
    Capabilities remote = Arrays.equals(pongHeader, ping) ? Capabilities.LEGACY : Capabilities.decode(pongHeader);
    link = new ZmqLink("zmq-" + IDS.incrementAndGet(), remote, null, this);
    state = State.UP;
    listener.connected(link);
    first.complete(link);
  }

  private void lose(Throwable cause) {
    ZmqLink l = link;
    backlog.clear();
    if (l != null && l.markClosed()) {
      listener.disconnected(l, cause);
    }
  }

  @Override
  protected void tick(long now) {
    if (state != State.HANDSHAKING) {
      return;
    }
    boolean curveSilence = options.curveClient() != null && reachedTcp && attempts >= CURVE_ATTEMPTS && now >= retryAt;
    if (!first.isDone() && (now >= deadline || curveSilence)) {
      first.completeExceptionally(failure());
      state = State.RECONNECTING; // no more attempts: the caller closes this endpoint
      return;
    }
    if (now < retryAt) {
      return;
    }
    LOG.debug("{}: no PONG after attempt {}, retrying on a fresh socket", address, attempts);
    freshSocket();
  }

  private CallosumException failure() {
    long ms = config.connectTimeout().toMillis();
    if (authFailed) {
      return new AuthenticationException("the ZeroMQ handshake with " + address
          + " failed: the server refused our credentials, or we have the wrong server key");
    }
    if (!reachedTcp) {
      return new ConnectionLostException("cannot reach " + address + ": no connection within " + ms + " ms");
    }
    if (options.curveClient() != null) {
      // Connected, yet no answer through CURVE: ZeroMQ reports a wrong server key only by silence.
      return new AuthenticationException("connected to " + address + ", but the CURVE handshake did not complete on "
          + attempts + " fresh sockets (" + attempts * options.handshakeRetry().toMillis()
          + " ms): the server public key is wrong, or the server refused our key");
    }
    return new ConnectionLostException(address + " accepted the connection but gave no Callosum handshake answer within "
        + ms + " ms (not a Callosum peer, a security mismatch, or its receive loop is not running)");
  }

  @Override
  protected long tickMillis() {
    return Math.min(50, options.handshakeRetry().toMillis());
  }

  private void send(byte[][] message) {
    if (!backlog.isEmpty() || !Frames.send(dealer, message)) {
      backlog.add(message);
    }
  }

  private void flushBacklog() {
    while (!backlog.isEmpty() && Frames.send(dealer, backlog.peek())) {
      backlog.poll();
    }
  }

  @Override
  public boolean send(ZmqLink l, Envelope envelope) {
    return post(() -> {
      if (l == link && l.isOpen()) {
        send(new byte[][] {Frames.UPPER, envelope.header(), envelope.body()});
      }
    });
  }

  @Override
  public void close(ZmqLink l) {
    post(() -> {
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
  public void close() {
    stop();
  }

  @Override
  protected void closeSockets() {
    if (state == State.UP && link != null && !link.remoteCapabilities().isLegacy()) {
      Frames.send(dealer, Frames.BYE, Frames.EMPTY, Frames.EMPTY); // lets a Java server drop us at once
    }
    if (!first.isDone()) {
      first.completeExceptionally(new ConnectionLostException("closed while connecting to " + address));
    }
    lose(null);
    if (link == null && dealer != null) {
      dealer.setLinger(0); // never connected: nothing worth delivering, so don't wait for the PING
    }
    Sockets.close(dealer, monitor);
  }
}
