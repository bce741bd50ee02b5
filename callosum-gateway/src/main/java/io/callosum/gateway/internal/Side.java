package io.callosum.gateway.internal;

import io.callosum.lower.tcp.internal.FrameConnection;
import io.callosum.lower.tcp.internal.RefusalLog;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One connection of the gateway: a {@link LocalPeer} or a {@link GatewayLink} to another cluster's
 * gateway, with the legs of the channels it carries and its own channel id space. It also keeps
 * what the {@link AdmissionGuard} counts per connection (refused opens, refusal log lines). Loop
 * thread only.
 */
abstract sealed class Side permits LocalPeer, GatewayLink {
  /**
   * After the first few refusals of a connection, at most one line per this interval sums up the
   * rest.
   */
  private static final long REFUSAL_LOG_INTERVAL = TimeUnit.SECONDS.toNanos(10);

  final FrameConnection conn;
  final Direction direction;

  /** The channels of this connection, by their id on it. */
  final Map<Integer, Leg> legs = new HashMap<>();

  private int nextId = 1;

  /**
   * Opens refused at the channel limit since {@link #floodWindow} began, with no open accepted
   * since.
   */
  int refusedOpens;

  long floodWindow;
  final RefusalLog refusalLog = new RefusalLog(REFUSAL_LOG_INTERVAL);

  Side(FrameConnection conn, Direction direction) {
    this.conn = conn;
    this.direction = direction;
  }

  /** A fresh channel id in this side's own id space, not in use on it. */
  int allocate() {
    int id;
    do {
      id = direction.own(nextId);
      nextId = nextId == Integer.MAX_VALUE ? 1 : nextId + 1;
    } while (legs.containsKey(id));
    return id;
  }

  /** How this side is named in logs and reasons. */
  abstract String describe();
}
