package io.callosum.gateway.internal;

import io.callosum.gateway.Gateway;
import io.callosum.gateway.GatewayConfig;
import io.callosum.gateway.GatewayStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin view of the gateway: a {@link GatewayStatus} snapshot (links, local connections,
 * registered names, channel legs, refusals, forwarded connections, buffered bytes), and the line
 * per link logged at INFO every {@code statusLog} interval. Loop thread only (the gateway hands
 * {@code status} calls to it).
 */
final class StatusReport {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final GatewayConfig config;
  private final RelayTable table;
  private final Registry registry;
  private final AdmissionGuard guard;
  private final PortForwarder forwarder;
  private final long logInterval;
  private long nextLog;

  StatusReport(
      GatewayConfig config,
      RelayTable table,
      Registry registry,
      AdmissionGuard guard,
      PortForwarder forwarder) {
    this.config = config;
    this.table = table;
    this.registry = registry;
    this.guard = guard;
    this.forwarder = forwarder;
    this.logInterval = config.statusLog() == null ? 0 : config.statusLog().toNanos();
    this.nextLog = System.nanoTime() + logInterval;
  }

  /** Every link seen now or configured, then the gateway's totals. */
  GatewayStatus snapshot() {
    List<GatewayStatus.LinkStatus> links = new ArrayList<>();
    Set<String> seen = new TreeSet<>();
    int local = 0;
    long buffered = forwarder.pending();
    for (Side s : table.sides()) {
      buffered += s.conn.backlog().queuedBytes();
      if (s instanceof GatewayLink l) {
        if (l.cluster != null) {
          seen.add(l.cluster);
          links.add(
              new GatewayStatus.LinkStatus(
                  l.cluster,
                  l.direction.word(),
                  l.up,
                  l.legs.size(),
                  l.conn.bytesIn(),
                  l.conn.bytesOut(),
                  guard.refusals(l.cluster)));
        }
      } else {
        local++;
      }
    }
    for (GatewayConfig.Link l : config.links()) {
      if (!seen.contains(l.cluster())) {
        links.add(
            new GatewayStatus.LinkStatus(
                l.cluster(), "out", false, 0, 0, 0, guard.refusals(l.cluster())));
      }
    }
    return new GatewayStatus(
        config.cluster(),
        links,
        local,
        registry.names(),
        table.legs(),
        guard.refusals(),
        forwarder.size(),
        buffered);
  }

  /** Whether the configuration asks for the periodic lines ({@code statusLog}). */
  boolean logs() {
    return config.statusLog() != null;
  }

  /**
   * Logs every up link's channels, bytes and refusals once a {@code statusLog} interval has passed
   * since the last time.
   */
  void tick(long now) {
    if (now - nextLog < 0) {
      return;
    }
    nextLog = now + logInterval;
    for (Side s : table.sides()) {
      if (s instanceof GatewayLink l && l.up) {
        LOG.info(
            "link to cluster {} ({}): {} channels, {} bytes in, {} bytes out, {} refusals",
            l.cluster,
            l.direction.word(),
            l.legs.size(),
            l.conn.bytesIn(),
            l.conn.bytesOut(),
            guard.refusals(l.cluster));
      }
    }
  }
}
