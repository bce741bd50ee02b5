package io.callosum.lower.tcp.internal;

import io.callosum.CallosumException;
import io.callosum.ConnectionLostException;
import io.callosum.lower.Capabilities;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one connection of a transport object to one remote address, shared by every endpoint that
 * connects there: each endpoint is a channel on it. When the connection is lost, every channel is
 * reported lost, and the bundle reconnects with exponential backoff and jitter as long as an
 * endpoint remains; after reconnecting, each endpoint opens a new channel (a new link for the core).
 * When the last endpoint leaves, the connection is closed at once. Loop thread only, except {@link
 * #members}, which the hub guards.
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
  private State state = State.IDLE;
  private Connection connection;
  private int nextChannel = 1;
  private long retryAt;

  ClientBundle(Hub hub, IoLoop loop, InetSocketAddress address, String name, Supplier<ConnectionSecurity> security, Backoff backoff) {
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
    switch (state) {
      case UP:
        open(e);
        break;
      case IDLE:
      case BACKOFF:
        connectNow(); // a new endpoint does not wait out a backoff delay meant for the old ones
        break;
      default:
        break;
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
    connection.sendFrame(Wire.channelFrame(Wire.OPEN, number, e.capabilities()));
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
  }

  @Override
  public void channelFrame(Connection c, int kind, int number, byte[] frame) {
    switch (kind) {
      case Wire.OPENED: {
        ClientEndpoint e = opening.remove(number);
        if (e == null || !endpoints.contains(e)) {
          c.sendFrame(Wire.close(number, "the endpoint has closed")); // it left while the OPEN was in flight
          return;
        }
        Capabilities remote = Capabilities.decode(Arrays.copyOfRange(frame, Wire.CHANNEL_FRAME_HEADER, frame.length));
        Channel ch = new Channel(number, c, e, remote, null, e.listener());
        c.channels.put(number, ch);
        e.opened(ch);
        break;
      }
      case Wire.CLOSE: {
        String reason = Wire.reason(frame, Wire.CHANNEL_FRAME_HEADER);
        ClientEndpoint e = opening.remove(number);
        if (e != null) {
          LOG.warn("{}: the server refused a channel: {}", name, reason);
          e.failFirst(new ConnectionLostException(name + " refused the channel: " + reason));
        } else {
          c.remoteClosedChannel(number, reason);
        }
        break;
      }
      default:
        c.abort(Wire.PROTOCOL, "a server sent OPEN: only the connecting side opens channels");
    }
  }

  @Override
  public void channelClosed(Connection c, Channel channel) {
    if (channel.endpoint != null) {
      channel.endpoint.channelGone(channel);
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
    if (state == State.BACKOFF && now - retryAt >= 0 && !endpoints.isEmpty()) {
      connectNow();
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
      state = State.SHUT;
      loop.removeTicking(this);
      if (connection != null) {
        connection.shutdown(new ConnectionLostException("closed"));
      }
    }
  }

  @Override
  public String toString() {
    return "ClientBundle(" + name + ", " + state + ", " + endpoints.size() + " endpoints)";
  }
}
