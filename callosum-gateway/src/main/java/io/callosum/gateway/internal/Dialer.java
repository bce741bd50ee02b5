package io.callosum.gateway.internal;

import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.gateway.Gateway;
import io.callosum.gateway.GatewayConfig;
import io.callosum.lower.Backoff;
import io.callosum.lower.tcp.internal.FrameConnection;
import io.callosum.lower.tcp.internal.FrameSink;
import io.callosum.lower.tcp.internal.RelayLoop;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One outbound link of the configuration: dials the other cluster's gateway (CURVE, pinning its
 * key), and after a failed attempt or a lost link dials again after a backoff delay ({@code
 * TcpOptions.reconnect}, with jitter), reset once a link is up. Loop thread only.
 */
final class Dialer {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final GatewayConfig.Link config;
  private final CurveKeyPair keys;
  private final RelayLoop loop;
  private final RelayTable table;
  private final FrameSink sink;
  private final Backoff backoff;
  private Runnable untick;
  private long retryAt;
  private boolean waiting;
  private boolean stopped;

  /**
   * Dials {@code config} with {@code keys}; the links it makes join {@code table} and report to
   * {@code sink}.
   */
  Dialer(
      GatewayConfig.Link config,
      CurveKeyPair keys,
      RelayLoop loop,
      RelayTable table,
      FrameSink sink) {
    this.config = config;
    this.keys = keys;
    this.loop = loop;
    this.table = table;
    this.sink = sink;
    this.backoff = loop.backoff();
  }

  /** Dials now, and keeps the link up from then on. */
  void start() {
    untick = loop.everyTick(this::tick);
    dial();
  }

  private void dial() {
    if (stopped) {
      return;
    }
    try {
      ClientAuthenticator auth = ClientAuthenticator.of(config.serverKey(), keys);
      FrameConnection c =
          loop.dial(
              config.address(),
              "gateway of " + config.cluster() + " at " + config.address(),
              auth,
              sink);
      table.add(GatewayLink.dialled(c, this, config.cluster()));
    } catch (IOException | RuntimeException e) {
      LOG.debug("cannot dial cluster {}: {}", config.cluster(), e.toString());
      lost();
    }
  }

  /** A link this dialer made is up: the next loss starts again from the shortest delay. */
  void established() {
    backoff.reset();
  }

  /** The attempt failed or the link was lost: dial again after the next delay. */
  void lost() {
    if (!stopped) {
      long delay = backoff.next();
      retryAt = System.nanoTime() + delay;
      waiting = true;
      LOG.debug("dialling cluster {} again in {} ms", config.cluster(), delay / 1_000_000);
    }
  }

  private void tick(long now) {
    if (waiting && now - retryAt >= 0) {
      waiting = false;
      dial();
    }
  }

  /** Dials no more (the gateway is closing). */
  void stop() {
    stopped = true;
    if (untick != null) {
      untick.run();
    }
  }
}
