package io.callosum.gateway.internal;

import io.callosum.gateway.Gateway;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.internal.ConnectionsBySource;
import io.callosum.lower.tcp.internal.OverLimit;
import io.callosum.lower.tcp.internal.RefusalLog;
import io.callosum.lower.tcp.internal.Wire;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.SocketChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's bounds on what remotes make it do or hold: connections at once, channel opens
 * (their id space, the channel limit, floods of refused opens), bytes queued per channel and per
 * connection (closing the channel, refusing new ones, or cutting a connection that does not read),
 * and the refusals themselves (counted for the status, logged rate-limited per connection). Every
 * frame the gateway sends of its own accord goes through {@link #send}, which bounds it too. Loop
 * thread only.
 */
final class AdmissionGuard {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  /**
   * A local peer refused more opens than its channel limit within this window (none accepted
   * between) floods: it is cut.
   */
  private static final long FLOOD_WINDOW = TimeUnit.SECONDS.toNanos(1);

  /** After the first few refused connections, one line per this interval counts the rest. */
  private static final long REFUSAL_LOG_INTERVAL = TimeUnit.SECONDS.toNanos(10);

  private final String cluster;
  private final TcpOptions options;
  private final long maxChannelBuffer;
  private long refusals;
  private final Map<String, Long> linkRefusals = new HashMap<>();
  private final ConnectionsBySource bySource;

  /** The accepted connections and forwarded sockets, with the source each counts against. */
  private final Map<Object, InetAddress> sources = new HashMap<>();

  private final RefusalLog connectionRefusals =
      new RefusalLog(REFUSAL_LOG_INTERVAL, "further refused connections");

  AdmissionGuard(String cluster, TcpOptions options, long maxChannelBuffer) {
    this.cluster = cluster;
    this.options = options;
    this.maxChannelBuffer = maxChannelBuffer;
    this.bySource = new ConnectionsBySource(options.maxConnectionsPerAddress());
  }

  /**
   * Refusals since start: refused opens and registrations, links refused in their handshake,
   * connections over the limit.
   */
  long refusals() {
    return refusals;
  }

  /** Refusals of opens from {@code remoteCluster}, since start. */
  long refusals(String remoteCluster) {
    return linkRefusals.getOrDefault(remoteCluster, 0L);
  }

  /**
   * Whether a new connection must be refused, the gateway having {@code connections} already
   * (peers, links and forwarded sockets together, at most {@code TcpOptions.maxConnections}), or
   * its source its share ({@code TcpOptions.maxConnectionsPerAddress}). If so it is turned away at
   * once (with the preamble of {@code mechanism} and an ABORT saying why; a forwarded socket, whose
   * {@code mechanism} is null, just closes), counted and logged, rate-limited. If not, the caller
   * counts it against its source with {@link #accepted} once it has taken it.
   */
  boolean full(int connections, SocketChannel sc, String remote, String what, String mechanism)
      throws IOException {
    String reason;
    InetAddress source = ConnectionsBySource.sourceOf(sc);
    if (connections >= options.maxConnections()) {
      reason =
          "the gateway of cluster "
              + cluster
              + " serves at most "
              + options.maxConnections()
              + " connections";
    } else if (source != null && bySource.full(source)) {
      reason =
          "the gateway of cluster "
              + cluster
              + " serves at most "
              + bySource.max()
              + " connections from "
              + ConnectionsBySource.describe(source)
              + " (maxConnectionsPerAddress)";
    } else {
      return false;
    }
    refusals++;
    String line =
        connectionRefusals.admit(
            "refused " + what + " from " + remote + ": " + reason, System.nanoTime());
    if (line != null) {
      LOG.warn("gateway {}: {}", cluster, line);
    }
    if (mechanism != null) {
      OverLimit.refuse(sc, mechanism, reason);
    } else {
      sc.close();
    }
    return true;
  }

  /**
   * {@code connection} (a side's connection or a forwarded socket) was accepted on {@code sc}: it
   * counts against its source until {@link #connectionEnded}.
   */
  void accepted(Object connection, SocketChannel sc) {
    InetAddress source = ConnectionsBySource.sourceOf(sc);
    if (source != null && bySource.add(source)) {
      sources.put(connection, source);
    }
  }

  /** {@code connection} has ended; one not counted by {@link #accepted} is ignored. */
  void connectionEnded(Object connection) {
    InetAddress source = sources.remove(connection);
    if (source != null) {
      bySource.remove(source);
    }
  }

  /** Accepted connections counted against their source now (for the leak checks of tests). */
  int sourcesHeld() {
    return sources.size();
  }

  /**
   * Counts a refusal that closed a connection before it carried anything (a forward whose link is
   * busy).
   */
  void refusedConnection() {
    refusals++;
  }

  /**
   * Whether {@code s} may open channel {@code number} now. An id outside the opener's space or
   * already open is a protocol error (the connection is aborted); past the channel limit the open
   * is refused, and a local peer refused more than its limit within {@link #FLOOD_WINDOW} with no
   * open accepted between floods and is cut (never a link: every channel between the two clusters
   * would be lost because some callers were refused).
   */
  boolean admitOpen(Side s, int number) {
    if (!s.direction.remoteOpens(number) || !Wire.openable(number)) {
      s.conn.abort(
          Wire.PROTOCOL,
          "channel id "
              + Integer.toUnsignedString(number)
              + (Wire.openable(number)
                  ? " is not in the opener's id space"
                  : " is not an opener's id (1..2^31-1 in its space)"));
      return false;
    }
    if (s.legs.containsKey(number)) {
      s.conn.abort(
          Wire.PROTOCOL, "channel " + Integer.toUnsignedString(number) + " is already open");
      return false;
    }
    int max = options.maxChannelsPerConnection();
    if (s.legs.size() >= max) {
      long now = System.nanoTime();
      if (now - s.floodWindow > FLOOD_WINDOW) {
        s.floodWindow = now;
        s.refusedOpens = 0;
      }
      if (++s.refusedOpens > max && s instanceof LocalPeer) {
        s.conn.abort(
            Wire.LIMIT,
            "flood of channel opens: "
                + s.refusedOpens
                + " refused within "
                + FLOOD_WINDOW / 1_000_000
                + " ms past the limit of "
                + max
                + " channels");
      } else {
        refuse(s, number, "channel limit of " + max + " per connection reached");
      }
      return false;
    }
    s.refusedOpens = 0;
    return true;
  }

  /**
   * Why no new channel may go to {@code t} now, or null: it has its channel limit open, or its send
   * backlog is full (it does not keep up; if it has taken nothing for a heartbeat interval, it does
   * not read and is cut). The opener is refused with this reason, rather than the far gateway or
   * peer refusing it (and counting it against the whole link).
   */
  String busy(Side t, String what) {
    int max = options.maxChannelsPerConnection();
    if (t.legs.size() >= max) {
      return what + " is at its channel limit of " + max + " channels";
    }
    long backlog = t.conn.backlog().queuedBytes();
    if (backlog < options.maxSendBacklog()) {
      return null;
    }
    if (t.conn.backlog().stalled()) {
      cut(t, backlog);
      return what
          + " does not read: the gateway of cluster "
          + cluster
          + " held "
          + backlog
          + " bytes for it (limit "
          + options.maxSendBacklog()
          + ") and cut it";
    }
    return what
        + " does not keep up: the gateway of cluster "
        + cluster
        + " holds "
        + backlog
        + " bytes for it (limit "
        + options.maxSendBacklog()
        + ")";
  }

  /**
   * Why {@code n} more bytes of DATA may not wait for {@code to}'s receiver: its channel holds too
   * much already; else null.
   */
  String channelFull(Leg to, long n) {
    if (to.pending + n <= maxChannelBuffer) {
      return null;
    }
    return "the gateway of cluster "
        + cluster
        + " holds "
        + to.pending
        + " bytes for this channel (limit "
        + maxChannelBuffer
        + "): its receiver does not keep up";
  }

  /**
   * Whether {@code n} more bytes of DATA would take {@code to}'s connection past its bound (bytes
   * of channels closed earlier still count until written).
   */
  boolean overBacklog(Side to, long n) {
    return to.conn.backlog().queuedBytes() + n > options.maxSendBacklog();
  }

  /**
   * Cuts {@code s} if it has taken nothing for a heartbeat interval while bytes wait for it (it
   * does not read); true if so.
   */
  boolean cutIfStalled(Side s) {
    if (!s.conn.backlog().stalled()) {
      return false;
    }
    cut(s, s.conn.backlog().queuedBytes());
    return true;
  }

  /**
   * Why a channel towards {@code to} closes when DATA finds its connection {@linkplain #overBacklog
   * over the bound}.
   */
  String backlogFull(Side to) {
    return "the gateway of cluster "
        + cluster
        + " holds "
        + to.conn.backlog().queuedBytes()
        + " bytes for the connection of this"
        + " channel's receiver (limit "
        + options.maxSendBacklog()
        + "): its receiver does not keep up";
  }

  /**
   * Queues a frame other than relayed DATA (opens, OPENED, CLOSE, refusals, REGISTERED) towards
   * {@code to}. What the gateway queues towards one connection is bounded, whether or not its
   * channels are still open: DATA up to {@code TcpOptions.maxSendBacklog}, other frames up to a
   * quarter more (so that closes still pass a backlog full of DATA). Past that the connection is
   * cut: it does not read what it is sent. False if it was cut.
   */
  boolean send(Side to, byte[] frame) {
    long backlog = to.conn.backlog().queuedBytes();
    if (backlog + frame.length > options.maxSendBacklog() + options.maxSendBacklog() / 4) {
      cut(to, backlog);
      return false;
    }
    to.conn.send(frame);
    return true;
  }

  /**
   * Cuts {@code s}, for which the gateway holds {@code backlog} bytes: it does not read (all its
   * channels are closed).
   */
  private void cut(Side s, long backlog) {
    s.conn.abort(
        Wire.LIMIT,
        "the gateway of cluster "
            + cluster
            + " holds "
            + backlog
            + " bytes for this connection (limit "
            + options.maxSendBacklog()
            + ", TcpOptions.maxSendBacklog): it does not read");
  }

  /**
   * Refuses an open of channel {@code number} on {@code s}: a CLOSE with the reason, logged and
   * counted.
   */
  void refuse(Side s, int number, String reason) {
    refusal(s, "refused channel " + Integer.toUnsignedString(number) + ": " + reason);
    send(s, Wire.close(number, reason));
  }

  /**
   * Counts a refusal from {@code s} (per link cluster too) and logs it, rate-limited per
   * connection.
   */
  void refusal(Side s, String what) {
    refusals++;
    if (s instanceof GatewayLink l && l.cluster != null) {
      linkRefusals.merge(l.cluster, 1L, Long::sum);
    }
    String line = s.refusalLog.admit(what, System.nanoTime());
    if (line != null) {
      LOG.warn("gateway {}: {} from {}", cluster, line, s.describe());
    }
  }

  /** {@code s} has ended: the refusals counted and not logged yet are summed up. */
  void ended(Side s) {
    String suppressed = s.refusalLog.flush(System.nanoTime());
    if (suppressed != null) {
      LOG.warn("gateway {}: {} from {}", cluster, suppressed, s.describe());
    }
  }
}
