package io.callosum.gateway.internal;

import io.callosum.lower.tcp.internal.FrameConnection;

/**
 * A link to another cluster's gateway: dialled by this gateway ({@link #dialer} set, the cluster
 * known from the configuration) or accepted (the cluster known once the handshake has authenticated
 * the dialler's key). Loop thread only.
 */
final class GatewayLink extends Side {
  /** The dialer that made this link and dials again when it is lost; null for an accepted link. */
  final Dialer dialer;

  /** The remote cluster; null for an accepted link until it is established. */
  String cluster;

  /** Whether the handshake is done. */
  boolean up;

  private GatewayLink(FrameConnection conn, Direction direction, Dialer dialer, String cluster) {
    super(conn, direction);
    this.dialer = dialer;
    this.cluster = cluster;
  }

  static GatewayLink dialled(FrameConnection conn, Dialer dialer, String cluster) {
    return new GatewayLink(conn, Direction.DIALLED, dialer, cluster);
  }

  static GatewayLink accepted(FrameConnection conn) {
    return new GatewayLink(conn, Direction.ACCEPTED, null, null);
  }

  @Override
  String describe() {
    return "cluster " + cluster + " (" + conn.remote() + ")";
  }
}
