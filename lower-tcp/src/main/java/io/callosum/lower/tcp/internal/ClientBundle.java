package io.callosum.lower.tcp.internal;

import io.callosum.CallosumException;
import io.callosum.ConnectionLostException;
import io.callosum.lower.Backoff;
import io.callosum.lower.Capabilities;
import io.callosum.lower.TransportConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one connection of a transport object to one remote address, shared by every endpoint that
 * connects there: each endpoint is a channel on it. When the connection is lost, every channel is
 * reported lost, and the bundle reconnects with exponential backoff and jitter as long as an
 * endpoint remains; after reconnecting, each endpoint opens a new channel (a new link for the
 * core). When the last endpoint leaves, the connection is closed at once. Loop thread only, except
 * {@link #members}, which the hub guards.
 */
final class ClientBundle implements Connection.Owner, IoLoop.Ticking {
  private static final Logger LOG = LoggerFactory.getLogger(ClientBundle.class);

  private enum State {
    IDLE,
    CONNECTING,
    UP,
    BACKOFF,
    SHUT
  }

  final Hub hub;
  final IoLoop loop;
  final InetSocketAddress address;
  final String name;
  private final Supplier<ConnectionSecurity> security;
  private final Backoff backoff;

  /** Endpoints that use this bundle, counted by the hub (connect and close threads). */
  int members;

  private final List<ClientEndpoint> endpoints = new ArrayList<>();
  private final Map<Integer, ClientEndpoint> opening = new HashMap<>();

  /** Names this transport registered at the gateway it connects to here, by registration token. */
  private final Map<Integer, TunnelBinding> bindings = new HashMap<>();

  private int nextToken = 1;
  private State state = State.IDLE;
  private Connection connection;
  private int nextChannel = 1;
  private long retryAt;

  /**
   * Posts {@code join} to the loop and waits, at most the connect timeout, for {@code first}: an
   * endpoint's first channel or registration. On any failure {@code close} runs and the reason is
   * thrown as a {@link CallosumException}; {@code what} names the step ("connect to ADDRESS").
   */
  void join(
      Runnable join,
      CompletableFuture<Void> first,
      TransportConfig config,
      Runnable close,
      String what) {
    if (!loop.post(join)) {
      close.run();
      throw new ConnectionLostException("the TCP transport is closing");
    }
    long ms = config.connectTimeout().toMillis();
    try {
      first.get(ms, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      close.run();
      throw e.getCause() instanceof CallosumException c
          ? c
          : new ConnectionLostException("cannot " + what + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      close.run();
      throw new ConnectionLostException(what + " timed out after " + ms + " ms");
    } catch (InterruptedException e) {
      close.run();
      Thread.currentThread().interrupt();
      throw new ConnectionLostException("interrupted before " + what + " completed", e);
    }
  }

  ClientBundle(
      Hub hub,
      IoLoop loop,
      InetSocketAddress address,
      String name,
      Supplier<ConnectionSecurity> security,
      Backoff backoff) {
    this.hub = hub;
    this.loop = loop;
    this.address = address;
    this.name = name;
    this.security = security;
    this.backoff = backoff;
  }

  /** A new endpoint joins: it gets a channel now, or as soon as the connection is up. */
  void add(ClientEndpoint e) {
    endpoints.add(e);
    e.backoff = hub.backoff();
    switch (state) {
      case UP -> open(e);
      case IDLE, BACKOFF -> connectNow();
      // a new endpoint does not wait out a backoff delay meant for the old ones
      default -> {}
    }
  }

  private void connectNow() {
    if (state == State.IDLE) {
      loop.addTicking(this);
    }
    state = State.CONNECTING;
    try {
      connection = Connection.connect(loop, address, name, this, security.get(), hub.options());
    } catch (IOException | RuntimeException e) {
      connection = null;
      lost(new ConnectionLostException("cannot open a connection to " + name + ": " + e, e));
    }
  }

  private void open(ClientEndpoint e) {
    int number = nextChannel++;
    if (nextChannel <= 0) {
      nextChannel = 1;
    }
    opening.put(number, e);
    String target = e.target();
    connection.sendFrame(
        target == null
            ? Wire.channelFrame(Wire.OPEN, number, e.capabilities())
            : Wire.openTo(number, target, "", e.capabilities()));
  }

  /**
   * A name to register at the gateway: now, or as soon as the connection is up (and again after
   * each reconnect).
   */
  void add(TunnelBinding b) {
    b.token = nextToken++;
    bindings.put(b.token, b);
    switch (state) {
      case UP -> connection.sendFrame(Wire.channelFrame(Wire.REGISTER, b.token, Wire.utf8(b.name)));
      case IDLE, BACKOFF -> connectNow();
      default -> {}
    }
  }

  /**
   * A registered name ends: the gateway forgets it, its channels close; the last member closes the
   * connection.
   */
  void remove(TunnelBinding b, boolean last) {
    bindings.remove(b.token, b);
    if (connection != null && state == State.UP) {
      connection.sendFrame(Wire.channelFrame(Wire.UNREGISTER, b.token, new byte[0]));
    }
    for (Channel ch : new ArrayList<>(b.channels)) {
      if (connection != null) {
        connection.closeChannel(ch, "");
      } else {
        ch.lost(null);
      }
    }
    b.channels.clear();
    if (last) {
      shut();
    }
  }

  @Override
  public void established(Connection c) {
    state = State.UP;
    backoff.reset();
    for (ClientEndpoint e : endpoints) {
      if (!e.hasChannel() && !opening.containsValue(e)) {
        open(e);
      }
    }
    for (TunnelBinding b : bindings.values()) {
      c.sendFrame(Wire.channelFrame(Wire.REGISTER, b.token, Wire.utf8(b.name)));
    }
  }

  @Override
  public void channelFrame(Connection c, int kind, int number, byte[] frame) {
    switch (kind) {
      case Wire.OPENED -> {
        ClientEndpoint e = opening.remove(number);
        if (e == null || !endpoints.contains(e)) {
          c.sendFrame(
              Wire.close(
                  number, "the endpoint has closed")); // it left while the OPEN was in flight
          return;
        }
        Capabilities remote =
            Capabilities.decode(Arrays.copyOfRange(frame, Wire.CHANNEL_FRAME_HEADER, frame.length));
        Channel ch = new Channel(number, c, e, remote, null, e.listener());
        c.channels.add(number, ch);
        e.backoff.reset();
        e.opened(ch);
      }
      case Wire.CLOSE -> {
        String reason = Wire.reason(frame, Wire.CHANNEL_FRAME_HEADER);
        ClientEndpoint e = opening.remove(number);
        if (e != null) {
          LOG.warn(
              "{}: the server refused a channel{}: {}",
              name,
              e.target() != null ? " to " + e.target() : "",
              reason);
          e.failFirst(
              new ConnectionLostException(
                  name
                      + " refused the channel"
                      + (e.target() != null ? " to " + e.target() : "")
                      + ": "
                      + reason));
          retryLater(e);
        } else {
          c.remoteClosedChannel(number, reason);
        }
      }
      case Wire.OPEN_TO -> openedByGateway(c, number, frame);
      case Wire.REGISTERED -> {
        TunnelBinding b = bindings.get(number);
        if (b == null || frame.length < Wire.CHANNEL_FRAME_HEADER + 1) {
          LOG.debug("{}: dropped REGISTERED for token {}", name, number);
          return;
        }
        String text = Wire.reason(frame, Wire.CHANNEL_FRAME_HEADER + 1);
        if (frame[Wire.CHANNEL_FRAME_HEADER] == 0) {
          b.registered(text);
        } else {
          LOG.warn("{}: the gateway refused the name {}: {}", name, b.name, text);
          b.refused(
              new ConnectionLostException(
                  "the gateway " + name + " refused the name " + b.name + ": " + text));
        }
      }
      case Wire.OPEN ->
          c.abort(Wire.PROTOCOL, "a server sent OPEN: a gateway opens channels with OPEN_TO");
      case Wire.DATA ->
          LOG.debug(
              "{}: dropped DATA for channel {}, which is not open",
              name,
              Integer.toUnsignedString(number));
      default ->
          c.abort(
              Wire.PROTOCOL,
              "frame kind 0x" + Integer.toHexString(kind) + " is not sent to a connecting peer");
    }
  }

  /** The gateway opens a channel towards a name this transport registered. */
  private void openedByGateway(Connection c, int number, byte[] frame) {
    Wire.OpenTo open = Wire.parseOpenTo(frame);
    if ((number & Wire.ACCEPTOR_BIT) == 0 || !Wire.openable(number) || open == null) {
      c.abort(
          Wire.PROTOCOL,
          open == null
              ? "malformed OPEN_TO"
              : "channel id "
                  + Integer.toUnsignedString(number)
                  + (Wire.openable(number)
                      ? " is in the connecting side's id space"
                      : " is not an opener's id (0x8000_0001..)"));
      return;
    }
    String target = open.target();
    if (c.channels.contains(number)) {
      c.abort(Wire.PROTOCOL, "channel " + Integer.toUnsignedString(number) + " is already open");
      return;
    }
    TunnelBinding b = null;
    for (TunnelBinding x : bindings.values()) {
      if (x.name.equals(target) && x.isRegistered()) {
        b = x;
      }
    }
    if (b == null) {
      c.sendFrame(
          Wire.close(number, "no endpoint named " + target + " is registered on this connection"));
      return;
    }
    if (c.channels.size() >= c.maxChannels()) {
      c.sendFrame(
          Wire.close(number, "channel limit of " + c.maxChannels() + " per connection reached"));
      return;
    }
    Capabilities remote =
        Capabilities.decode(Arrays.copyOfRange(frame, open.capabilitiesAt(), frame.length));
    // The caller's cluster, as its gateway authenticated it: the identity of every call on the
    // channel.
    Channel ch =
        new Channel(
            number, c, null, remote, open.origin().isEmpty() ? null : open.origin(), b.listener());
    c.channels.add(number, ch);
    b.channels.add(ch);
    c.sendFrame(Wire.channelFrame(Wire.OPENED, number, b.capabilities()));
    ch.announce();
  }

  /**
   * A tunnel's channel was closed or refused by the gateway (its far end went away, a link
   * dropped): it is opened again after a backoff delay, as a direct connect is after a reconnect.
   */
  private void retryLater(ClientEndpoint e) {
    if (e.target() != null && endpoints.contains(e) && e.hasConnected()) {
      e.retryAt = System.nanoTime() + e.backoff.next();
    }
  }

  @Override
  public void channelClosed(Connection c, Channel channel) {
    ClientEndpoint e = channel.endpoint;
    if (e != null) {
      e.channelGone(channel);
      if (state == State.UP && c == connection) {
        retryLater(e);
      }
    }
    for (TunnelBinding b : bindings.values()) {
      b.channels.remove(channel);
    }
  }

  @Override
  public void closed(Connection c, CallosumException cause) {
    if (c == connection) {
      connection = null;
      lost(cause);
    }
  }

  /** The connection (or the attempt) ended: fail first connects, then wait out a backoff delay. */
  private void lost(CallosumException cause) {
    opening.clear();
    for (ClientEndpoint e : new ArrayList<>(endpoints)) {
      e.failFirst(cause);
    }
    for (TunnelBinding b : new ArrayList<>(bindings.values())) {
      b.lost(cause);
    }
    if (state == State.SHUT) {
      return;
    }
    boolean wasUp = state == State.UP;
    state = State.BACKOFF;
    long delay = backoff.next();
    retryAt = System.nanoTime() + delay;
    if (wasUp) {
      LOG.info("{}: {}; reconnecting in {} ms", name, cause.getMessage(), delay / 1_000_000);
    } else {
      LOG.debug("{}: {}; retrying in {} ms", name, cause.getMessage(), delay / 1_000_000);
    }
  }

  @Override
  public void tick(long now) {
    if (state == State.BACKOFF
        && now - retryAt >= 0
        && (!endpoints.isEmpty() || !bindings.isEmpty())) {
      connectNow();
    }
    if (state == State.UP) {
      for (ClientEndpoint e : endpoints) {
        if (e.retryAt != 0 && now - e.retryAt >= 0) {
          e.retryAt = 0;
          if (!e.hasChannel() && !opening.containsValue(e)) {
            open(e);
          }
        }
      }
    }
  }

  /** An endpoint leaves: its channel (if any) is closed; the last one closes the connection. */
  void remove(ClientEndpoint e, boolean last) {
    endpoints.remove(e);
    opening.values().removeIf(x -> x == e);
    Channel ch = e.channel();
    if (ch != null && connection != null) {
      connection.closeChannel(ch, "");
    } else if (ch != null) {
      ch.lost(null);
    }
    if (last) {
      shut();
    }
  }

  private void shut() {
    state = State.SHUT;
    loop.removeTicking(this);
    if (connection != null) {
      connection.shutdown(new ConnectionLostException("closed"));
    }
  }

  @Override
  public String toString() {
    return "ClientBundle(" + name + ", " + state + ", " + endpoints.size() + " endpoints)";
  }
}
