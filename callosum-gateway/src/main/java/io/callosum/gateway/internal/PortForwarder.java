package io.callosum.gateway.internal;

import io.callosum.gateway.Gateway;
import io.callosum.gateway.GatewayConfig;
import io.callosum.lower.tcp.internal.RelayLoop;
import io.callosum.lower.tcp.internal.Wire;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TCP port forwarding through links, like {@code ssh -L}: a connection accepted at a forward's
 * listen address becomes a channel ({@code OPEN_TO tcp://host:port}) over the link to the forward's
 * cluster; an open of such a channel that comes over a link (and is granted) becomes a connection
 * to its target. Each is a {@link ForwardSocket} on one end of a leg; this keeps them (they count
 * as connections of the gateway), their credit frames and their deadlines. Loop thread only.
 */
final class PortForwarder {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  /** The prefix of a forward channel's target: {@code tcp://host:port}. */
  static final String PREFIX = "tcp://";

  private final RelayLoop loop;
  private final RelayTable table;
  private final AdmissionGuard guard;
  private final long connectNanos;
  private final Set<ForwardSocket> sockets = new HashSet<>();
  private final ForwardSocket.Events events = new Events();

  /** Stops the deadline checks. */
  private Runnable deadlines;

  PortForwarder(RelayLoop loop, RelayTable table, AdmissionGuard guard) {
    this.loop = loop;
    this.table = table;
    this.guard = guard;
    this.connectNanos = loop.options().handshakeTimeout().toNanos();
  }

  /**
   * Starts ending sockets not open both ways within their deadline ({@link ForwardSocket#expire}).
   */
  void start() {
    deadlines = loop.everyTick(this::expire);
  }

  /** Forwarded connections open now. */
  int size() {
    return sockets.size();
  }

  /** Bytes held for the forwarded sockets now (at most one window each). */
  long pending() {
    long n = 0;
    for (ForwardSocket f : sockets) {
      n += f.pending();
    }
    return n;
  }

  /**
   * A connection accepted at {@code f}'s listen address: carried over the link to {@code f}'s
   * cluster, or closed if it cannot be.
   */
  void accept(GatewayConfig.Forward f, SocketChannel sc, String remote) throws IOException {
    GatewayLink link = table.link(f.cluster());
    if (link == null) {
      LOG.warn(
          "forward {} -> {}:{} from {}: the link to cluster {} is down; closing the connection",
          f.listen(),
          f.cluster(),
          f.target(),
          remote,
          f.cluster());
      sc.close();
      return;
    }
    String busy = guard.busy(link, "the link to cluster " + f.cluster());
    if (busy != null) {
      LOG.warn(
          "forward {} -> {}:{} from {}: {}; closing the connection",
          f.listen(),
          f.cluster(),
          f.target(),
          remote,
          busy);
      guard.refusedConnection();
      sc.close();
      return;
    }
    Leg leg = new Leg(link, link.allocate());
    ForwardSocket s =
        ForwardSocket.accepted(
            loop, sc, leg, events, remote + " -> " + f.cluster() + ":" + f.target());
    leg.socket = s;
    link.legs.put(leg.id, leg);
    sockets.add(s);
    guard.accepted(s, sc);
    guard.send(link, Wire.openTo(leg.id, PREFIX + f.target(), "", new byte[0]));
  }

  /**
   * A granted open of a forward channel over a link: connects to {@code hostPort}, or refuses the
   * open if it cannot start.
   */
  void open(Leg from, String hostPort) {
    URI u = URI.create(PREFIX + hostPort);
    InetSocketAddress at;
    try {
      at = RelayLoop.resolve(u);
      from.side.legs.put(from.id, from);
      ForwardSocket s = ForwardSocket.connect(loop, at, from, events);
      from.socket = s;
      sockets.add(s);
    } catch (IOException | RuntimeException e) {
      from.side.legs.remove(from.id, from);
      guard.refuse(from.side, from.id, "cannot connect to " + hostPort + ": " + e.getMessage());
    }
  }

  /**
   * CREDIT on {@code s} for channel {@code number}: more bytes its socket may send; a bad one
   * closes the channel.
   */
  void credit(Side s, int number, byte[] frame) {
    Leg leg = s.legs.get(number);
    if (leg == null) {
      LOG.debug(
          "{}: CREDIT for channel {}, which is not open",
          s.describe(),
          Integer.toUnsignedString(number));
      return;
    }
    if (frame.length != Wire.CHANNEL_FRAME_HEADER + 4 || leg.socket == null || !leg.open) {
      table.closeChannel(
          leg,
          frame.length != Wire.CHANNEL_FRAME_HEADER + 4
              ? "malformed CREDIT frame"
              : "CREDIT on a channel that is not" + " an open forward",
          false);
      LOG.warn(
          "{}: bad CREDIT on channel {}; closed it",
          s.describe(),
          Integer.toUnsignedString(number));
      return;
    }
    if (!leg.socket.credit(Wire.getInt(frame, 5))) {
      LOG.warn(
          "{}: credit overflow on forward channel {} (past the window of {} bytes); closed it",
          s.describe(),
          Integer.toUnsignedString(number),
          Wire.FORWARD_WINDOW);
      table.closeChannel(
          leg,
          "credit overflow: more than the window of " + Wire.FORWARD_WINDOW + " bytes granted",
          false);
    }
  }

  private void expire(long now) {
    for (ForwardSocket f : new ArrayList<>(sockets)) {
      f.expire(now, connectNanos);
    }
  }

  /** Closes every forwarded socket and stops the deadline checks (the gateway is closing). */
  void stop() {
    if (deadlines != null) {
      deadlines.run();
    }
    for (ForwardSocket s : new ArrayList<>(sockets)) {
      s.close();
    }
    sockets.clear();
  }

  /** What happens to the forwarded sockets. */
  private final class Events implements ForwardSocket.Events {
    @Override
    public void connected(ForwardSocket s) {
      Leg leg = s.leg;
      if (!RelayTable.current(leg)) {
        s.close(); // the channel was closed while connecting
        return;
      }
      leg.open = true;
      if (guard.send(leg.side, Wire.channelFrame(Wire.OPENED, leg.id, new byte[0]))) {
        s.start();
      }
    }

    @Override
    public void ended(ForwardSocket s, String reason) {
      Leg leg = s.leg;
      if (RelayTable.current(leg)) {
        if (!leg.open && !reason.isEmpty()) {
          guard.refusal(
              leg.side, "forward channel " + Integer.toUnsignedString(leg.id) + ": " + reason);
        }
        table.release(leg, reason, true);
      }
    }

    @Override
    public void closed(ForwardSocket s) {
      sockets.remove(s);
      guard.connectionEnded(s);
    }
  }
}
