package io.callosum.gateway.internal;

import io.callosum.gateway.Gateway;
import io.callosum.lower.tcp.internal.FrameConnection;
import io.callosum.lower.tcp.internal.Wire;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which channel on which connection is joined to which: the gateway's sides by connection, the up
 * links per remote cluster, and every relayed channel as a pair of {@link Leg}s. Frames of a
 * channel pass from one leg to the other with only the channel id rewritten (DATA is never
 * decoded); an OPENED travels back to the opener; a CLOSE releases both legs. Loop thread only.
 */
final class RelayTable {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final AdmissionGuard guard;
  private final Map<FrameConnection, Side> sides = new LinkedHashMap<>();

  /**
   * Every up link per cluster, oldest first; new channels take the newest (both gateways may dial
   * each other).
   */
  private final Map<String, List<GatewayLink>> links = new HashMap<>();

  RelayTable(AdmissionGuard guard) {
    this.guard = guard;
  }

  void add(Side s) {
    sides.put(s.conn, s);
  }

  /** The side of {@code c}, or null (it has ended). */
  Side side(FrameConnection c) {
    return sides.get(c);
  }

  /** Forgets the side of {@code c} and returns it, or null. */
  Side remove(FrameConnection c) {
    return sides.remove(c);
  }

  Collection<Side> sides() {
    return sides.values();
  }

  /** Connections of local peers and links now. */
  int size() {
    return sides.size();
  }

  /**
   * {@code l} is up: it becomes the newest link to its cluster; returns how many are up to it now.
   */
  int linkUp(GatewayLink l) {
    List<GatewayLink> up = links.computeIfAbsent(l.cluster, k -> new ArrayList<>());
    up.remove(l);
    up.add(l);
    return up.size();
  }

  /** {@code l} is down: its cluster stays reachable over another link still up, if any. */
  void linkDown(GatewayLink l) {
    List<GatewayLink> up = l.cluster == null ? null : links.get(l.cluster);
    if (up != null && up.remove(l)) {
      if (up.isEmpty()) {
        links.remove(l.cluster);
      } else {
        LOG.info(
            "cluster {} stays reachable over its other link ({})",
            l.cluster,
            up.get(up.size() - 1).conn.remote());
      }
    }
  }

  /** The newest up link to {@code cluster}, or null. */
  GatewayLink link(String cluster) {
    List<GatewayLink> up = links.get(cluster);
    return up == null ? null : up.get(up.size() - 1);
  }

  /** Joins {@code a} and {@code b} into one relayed channel. */
  void join(Leg a, Leg b) {
    a.peer = b;
    b.peer = a;
    a.side.legs.put(a.id, a);
    b.side.legs.put(b.id, b);
  }

  /** Whether {@code leg} is still the channel of its id on its side. */
  static boolean current(Leg leg) {
    return leg.side.legs.get(leg.id) == leg;
  }

  /**
   * OPENED on {@code s} for channel {@code number}: the open this gateway sent is answered, and the
   * opener is told.
   */
  void opened(Side s, int number, byte[] frame) {
    Leg leg = s.legs.get(number);
    if (leg == null || s.direction.remoteOpens(number)) {
      LOG.debug(
          "{}: OPENED for channel {}, which this gateway is not opening",
          s.describe(),
          Integer.toUnsignedString(number));
      if (leg == null && !s.direction.remoteOpens(number)) {
        guard.send(s, Wire.close(number, "the opener has gone"));
      }
      return;
    }
    if (leg.open) {
      LOG.debug(
          "{}: a second OPENED for channel {}", s.describe(), Integer.toUnsignedString(number));
      return;
    }
    leg.open = true;
    if (leg.socket != null) {
      leg.socket.start();
      return;
    }
    Leg p = leg.peer;
    p.open = true;
    guard.send(
        p.side,
        Wire.channelFrame(
            Wire.OPENED, p.id, Arrays.copyOfRange(frame, Wire.CHANNEL_FRAME_HEADER, frame.length)));
  }

  /**
   * DATA on {@code s} for channel {@code number}: to the other leg (within the bounds), or to the
   * forwarded socket.
   */
  void data(Side s, int number, byte[] frame) {
    Leg leg = s.legs.get(number);
    if (leg == null) {
      LOG.debug(
          "{}: dropped DATA for channel {}, which is not open",
          s.conn.remote(),
          Integer.toUnsignedString(number));
      return;
    }
    if (!leg.open) {
      LOG.warn(
          "{}: DATA on channel {} before it was open; closing it",
          s.describe(),
          Integer.toUnsignedString(number));
      closeChannel(leg, "DATA before the channel was open", false);
      return;
    }
    if (leg.socket != null) {
      leg.socket.fromLink(frame);
      return;
    }
    Leg to = leg.peer;
    long n = frame.length;
    String full = guard.channelFull(to, n);
    if (full == null && guard.overBacklog(to.side, n)) {
      if (guard.cutIfStalled(to.side)) {
        return; // it does not read: cut, and its channels with it
      }
      full = guard.backlogFull(to.side);
    }
    if (full != null) {
      LOG.warn(
          "{}: channel {} closed: {}", to.side.describe(), Integer.toUnsignedString(to.id), full);
      closeChannel(leg, full, false);
      return;
    }
    Wire.putInt(frame, 1, to.id);
    to.pending += n;
    to.side.conn.send(frame, () -> to.pending -= n);
  }

  /** CLOSE on {@code s} for channel {@code number}: the channel ends, and its other end is told. */
  void closed(Side s, int number, String reason) {
    Leg leg = s.legs.get(number);
    if (leg == null) {
      LOG.debug(
          "{}: CLOSE for channel {}, which is not open",
          s.describe(),
          Integer.toUnsignedString(number));
      return;
    }
    closeChannel(leg, reason, true);
  }

  /**
   * Ends the channel of {@code leg}; {@code fromLegSide}: its side closed it already, so only the
   * other end is told.
   */
  void closeChannel(Leg leg, String reason, boolean fromLegSide) {
    release(leg, reason, !fromLegSide);
    if (leg.peer != null) {
      release(leg.peer, reason, true);
    }
    if (leg.socket != null) {
      leg.socket.closeAfterDrain(reason.isEmpty());
    }
  }

  /**
   * Forgets {@code leg}; {@code tell}: its connection (if still the gateway's) gets a CLOSE with
   * the reason.
   */
  void release(Leg leg, String reason, boolean tell) {
    if (leg.side.legs.remove(leg.id, leg) && tell && sides.get(leg.side.conn) == leg.side) {
      guard.send(leg.side, Wire.close(leg.id, reason));
    }
  }

  /** Channel legs relayed now (each channel counts once per leg). */
  int legs() {
    int n = 0;
    for (Side s : sides.values()) {
      n += s.legs.size();
    }
    return n;
  }
}
