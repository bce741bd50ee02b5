package io.callosum.gateway;

import io.callosum.Peer;
import io.callosum.gateway.internal.GatewayEngine;
import io.callosum.lower.tcp.TcpTransport;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A tunnelling gateway: local peers connect to it ({@code TcpOptions.Builder.gateway}) and register
 * names by binding {@code tunnel://CLUSTER/NAME}; other clusters' gateways are reached over one
 * CurveZMQ-encrypted TCP connection per gateway pair (a link), which carries every channel between
 * the two clusters in both directions. A peer anywhere calls {@code tunnel://CLUSTER/NAME}; the
 * gateways relay its channel, frame by frame, without decoding it. A remote cluster reaches only
 * the names its {@link GatewayConfig#grants() grant} lists; every refusal is answered with a reason
 * and logged. TCP ports can be forwarded through a link too ({@link GatewayConfig.Forward}).
 *
 * <p>One gateway runs on one I/O thread ({@code callosum-tcp-io-N}); {@link #start}, {@link
 * #status} and {@link #close} may be called from any thread. See docs/GATEWAY.md.
 */
public final class Gateway implements AutoCloseable {
  private final GatewayConfig config;
  private final GatewayEngine engine;
  private final Peer admin;

  private Gateway(GatewayConfig config, GatewayEngine engine, Peer admin) {
    this.config = config;
    this.engine = engine;
    this.admin = admin;
  }

  /**
   * Binds the listeners, starts dialling the configured links, and returns at once (links come up
   * in the background).
   */
  public static Gateway start(GatewayConfig config) throws IOException {
    Objects.requireNonNull(config, "config");
    GatewayEngine engine = GatewayEngine.start(config);
    Peer admin = null;
    if (config.admin() != null) {
      try {
        admin =
            Peer.builder()
                .name("gateway-" + config.cluster() + "-admin")
                .transport(new TcpTransport())
                .bind(config.admin().toString())
                .build();
        admin.handle("status", (ctx, body) -> engine.status().toMap());
        admin.start();
      } catch (RuntimeException e) {
        if (admin != null) {
          admin.close();
        }
        engine.close();
        throw e;
      }
    }
    return new Gateway(config, engine, admin);
  }

  public GatewayConfig config() {
    return config;
  }

  /** Where local peers connect ({@code tcp://host:port} with the bound port), or null. */
  public String localAddress() {
    return engine.localAddress();
  }

  /** Where other gateways dial in, or null. */
  public String linkAddress() {
    return engine.linkAddress();
  }

  /** The bound addresses of the forwarded ports, in configuration order. */
  public List<String> forwardAddresses() {
    return engine.forwardAddresses();
  }

  /** The admin endpoint (a Callosum peer answering {@code status}), or null. */
  public String adminAddress() {
    return admin == null ? null : admin.address();
  }

  /** Links, channels, bytes and refusals now. */
  public GatewayStatus status() {
    return engine.status();
  }

  /** Whether the link to {@code cluster} is established now. */
  public boolean linkUp(String cluster) {
    return engine.linkUp(cluster);
  }

  /**
   * Starts a graceful shutdown and returns at once: the gateway stops listening (local peers, links
   * and forwards) and dialling, refuses new channels and registrations (with the reason "shutting
   * down"), and relays the channels and forwarded connections that are open until they close. A
   * gateway does not look inside the channels it relays, so it waits for their peers to close them
   * (a peer that shuts down does, once its calls are done). Once none is left it closes, as {@link
   * #close()} does. {@link #awaitTermination} waits for that; {@link #shutdownNow()} stops waiting.
   * Idempotent; any thread.
   */
  public void shutdown() {
    engine.shutdown(this::close);
  }

  /**
   * Waits until the gateway has closed (after {@link #shutdown()}, {@link #shutdownNow()} or {@link
   * #close()}), its I/O thread ended; true if it did within {@code timeout}.
   */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return engine.awaitTermination(Objects.requireNonNull(timeout, "timeout"));
  }

  /** Stops at once, as {@link #close()} does: the channels still open are closed. */
  public void shutdownNow() {
    close();
  }

  /** Whether the gateway has closed, its I/O thread ended. */
  public boolean isTerminated() {
    return engine.isTerminated();
  }

  /**
   * Stops the gateway: every relayed channel closes (its callers see "connection lost"), links and
   * sockets close, and the I/O thread has ended when this returns. Idempotent. For a graceful stop,
   * call {@link #shutdown()} and {@link #awaitTermination} first.
   */
  @Override
  public void close() {
    if (admin != null) {
      admin.close();
    }
    engine.close();
  }

  @Override
  public String toString() {
    return "Gateway("
        + config.cluster()
        + ", peers at "
        + localAddress()
        + ", links at "
        + linkAddress()
        + ")";
  }
}
