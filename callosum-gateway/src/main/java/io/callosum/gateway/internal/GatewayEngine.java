package io.callosum.gateway.internal;

import io.callosum.AuthenticationException;
import io.callosum.CallosumException;
import io.callosum.ConnectionLostException;
import io.callosum.auth.ServerAuthenticator;
import io.callosum.gateway.Gateway;
import io.callosum.gateway.GatewayConfig;
import io.callosum.gateway.GatewayStatus;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.internal.FrameConnection;
import io.callosum.lower.tcp.internal.FrameSink;
import io.callosum.lower.tcp.internal.RelayLoop;
import io.callosum.lower.tcp.internal.Wire;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay of a gateway on one I/O loop ({@link RelayLoop}), and the glue between its parts: it
 * takes every connection's callbacks ({@link FrameSink}) and dispatches each frame — a registration
 * to the {@link Registry}; an open, once the {@link AdmissionGuard} admits it, routed to a local
 * peer, a link or a {@link PortForwarder forward} by the target and the grants; OPENED, DATA and
 * CLOSE to the {@link RelayTable}; CREDIT to the forwarder. It opens the listeners, starts the
 * {@link Dialer}s, and closes everything. Its state is touched on the loop thread only; {@link
 * #status}, {@link #linkUp} and {@link #close} hand their work to it.
 */
public final class GatewayEngine implements FrameSink {
  /**
   * The gateway's operator log: one logger for every line about links, registrations and refusals
   * (docs/GATEWAY.md).
   */
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final GatewayConfig config;
  private final TcpOptions options;
  private final Registry registry;
  private final RelayLoop loop;
  private final AdmissionGuard guard;
  private final RelayTable table;
  private final PortForwarder forwarder;
  private final StatusReport report;
  private final List<Dialer> dialers = new ArrayList<>();
  private final List<Acceptor> acceptors = new ArrayList<>();
  private String localAddress;
  private String linkAddress;
  private final List<String> forwardAddresses = new ArrayList<>();
  private boolean closed;
  private final AtomicBoolean closing = new AtomicBoolean();

  /** Loop thread: shutdown() began; no new channel, registration or connection is taken. */
  private boolean draining;

  private Runnable untickDrain;
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();

  /** Loop thread: the thread that closes a drained gateway has been started. */
  private boolean closerStarted;

  private GatewayEngine(GatewayConfig config) {
    this.config = config;
    this.options =
        config.tcp().toBuilder().curveClient(null).curveServer(null).gateway(null).build();
    this.registry = new Registry(config);
    this.loop = RelayLoop.start(options);
    this.guard = new AdmissionGuard(config.cluster(), options, config.maxChannelBuffer());
    this.table = new RelayTable(guard);
    this.forwarder = new PortForwarder(loop, table, guard);
    this.report = new StatusReport(config, table, registry, guard, forwarder);
  }

  /**
   * Binds the listeners, starts dialling the links, and returns the running gateway. Any thread.
   */
  public static GatewayEngine start(GatewayConfig config) throws IOException {
    GatewayEngine g = new GatewayEngine(config);
    try {
      if (config.listen() != null) {
        Acceptor a = Acceptor.open(g.loop, config.listen(), g::acceptPeer);
        g.acceptors.add(a);
        g.localAddress = a.address();
      }
      if (config.linkListen() != null) {
        Acceptor a = Acceptor.open(g.loop, config.linkListen(), g::acceptLink);
        g.acceptors.add(a);
        g.linkAddress = a.address();
      }
      for (GatewayConfig.Forward f : config.forwards()) {
        Acceptor a =
            Acceptor.open(g.loop, f.listen(), (sc, remote) -> g.acceptForward(f, sc, remote));
        g.acceptors.add(a);
        g.forwardAddresses.add(a.address());
      }
      g.onLoop(
          () -> {
            g.forwarder.start();
            if (g.report.logs()) {
              g.loop.everyTick(g.report::tick);
            }
            for (GatewayConfig.Link l : config.links()) {
              Dialer d = new Dialer(l, config.keyPair(), g.loop, g.table, g);
              g.dialers.add(d);
              d.start();
            }
            return null;
          });
    } catch (IOException | RuntimeException e) {
      g.close();
      throw e;
    }
    LOG.info(
        "gateway of cluster {} started: peers at {}, links at {}, {} outbound links, {} forwards",
        config.cluster(),
        g.localAddress,
        g.linkAddress,
        config.links().size(),
        config.forwards().size());
    return g;
  }

  public String localAddress() {
    return localAddress;
  }

  public String linkAddress() {
    return linkAddress;
  }

  public List<String> forwardAddresses() {
    return List.copyOf(forwardAddresses);
  }

  // ------------------------------------------------------------------ accepting

  /** Peers, links and forwarded sockets now: together at most {@code TcpOptions.maxConnections}. */
  private int connections() {
    return table.size() + forwarder.size();
  }

  private void acceptPeer(SocketChannel sc, String remote) throws IOException {
    ServerAuthenticator auth = registry.peerAuthenticator();
    if (!guard.full(connections(), sc, remote, "a local peer", RelayLoop.mechanism(auth))) {
      FrameConnection c = loop.accept(sc, remote, auth, this);
      table.add(new LocalPeer(c));
      guard.accepted(c, sc);
    }
  }

  private void acceptLink(SocketChannel sc, String remote) throws IOException {
    ServerAuthenticator auth = registry.linkAuthenticator();
    if (!guard.full(connections(), sc, remote, "a gateway", RelayLoop.mechanism(auth))) {
      FrameConnection c = loop.accept(sc, remote, auth, this);
      table.add(GatewayLink.accepted(c));
      guard.accepted(c, sc);
    }
  }

  private void acceptForward(GatewayConfig.Forward f, SocketChannel sc, String remote)
      throws IOException {
    if (!guard.full(connections(), sc, remote, "a forwarded connection", null)) {
      forwarder.accept(f, sc, remote);
    }
  }

  // ------------------------------------------------------------------ FrameSink

  @Override
  public void established(FrameConnection c) {
    if (!(table.side(c) instanceof GatewayLink l)) {
      return;
    }
    l.up = true;
    if (l.direction == Direction.ACCEPTED) {
      l.cluster = c.userId(); // the cluster its authenticated key speaks for
    } else {
      l.dialer.established();
    }
    int up = table.linkUp(l);
    LOG.info(
        "link to cluster {} up ({}, {}){}",
        l.cluster,
        l.direction.verb(),
        c.remote(),
        up == 1 ? "" : "; " + up + " links to it are up, new channels take this newest one");
  }

  @Override
  public void frame(FrameConnection c, int kind, int number, byte[] frame) {
    Side s = table.side(c);
    if (s == null) {
      return;
    }
    switch (kind) {
      case Wire.DATA -> table.data(s, number, frame);
      case Wire.OPEN ->
          guard.refuse(
              s,
              number,
              "this is the gateway of cluster "
                  + config.cluster()
                  + ": open channels with a target (tunnel://CLUSTER/NAME)");
      case Wire.OPEN_TO -> openTo(s, number, frame);
      case Wire.OPENED -> table.opened(s, number, frame);
      case Wire.CLOSE -> table.closed(s, number, Wire.reason(frame, Wire.CHANNEL_FRAME_HEADER));
      case Wire.REGISTER -> register(s, number, frame);
      case Wire.UNREGISTER -> {
        if (s instanceof LocalPeer p) {
          registry.unregister(p, number);
        }
      }
      case Wire.CREDIT -> forwarder.credit(s, number, frame);
      default ->
          c.abort(
              Wire.PROTOCOL,
              "frame kind 0x" + Integer.toHexString(kind) + " is not sent to a gateway");
    }
  }

  @Override
  public void closed(FrameConnection c, CallosumException cause) {
    guard.connectionEnded(c);
    Side s = table.remove(c);
    if (s == null) {
      return;
    }
    int open = s.legs.size();
    String why =
        s instanceof GatewayLink l
            ? "the link between clusters "
                + config.cluster()
                + " and "
                + l.cluster
                + " was lost: "
                + cause.getMessage()
            : "connection lost: " + cause.getMessage();
    for (Leg leg : new ArrayList<>(s.legs.values())) {
      table.closeChannel(leg, why, true);
    }
    s.legs.clear();
    guard.ended(s);
    if (s instanceof LocalPeer p) {
      registry.forget(p);
      return;
    }
    GatewayLink l = (GatewayLink) s;
    table.linkDown(l);
    if (l.up) {
      LOG.info(
          "link to cluster {} down ({} channels were open, {} bytes in, {} bytes out): {}",
          l.cluster,
          open,
          c.bytesIn(),
          c.bytesOut(),
          cause.getMessage());
    } else if (cause instanceof AuthenticationException) {
      guard.refusal(l, "link refused: " + cause.getMessage());
    }
    if (l.dialer != null && !closed) {
      l.dialer.lost();
    }
  }

  // ------------------------------------------------------------------ registrations and opens

  private void register(Side s, int token, byte[] frame) {
    if (!(s instanceof LocalPeer p)) {
      s.conn.abort(Wire.PROTOCOL, "REGISTER on a link between gateways");
      return;
    }
    String problem =
        draining
            ? "the gateway of cluster " + config.cluster() + " is shutting down"
            : registry.register(p, token, frame, options.maxChannelsPerConnection());
    if (problem != null) {
      guard.refusal(p, "registration refused: " + problem);
      guard.send(p, Wire.registered(token, false, problem));
      return;
    }
    guard.send(p, Wire.registered(token, true, config.cluster()));
  }

  /**
   * OPEN_TO from {@code s}: admitted by the guard, then routed by where it comes from and where it
   * goes.
   */
  private void openTo(Side s, int number, byte[] frame) {
    if (!guard.admitOpen(s, number)) {
      return;
    }
    if (draining) {
      guard.refuse(s, number, "the gateway of cluster " + config.cluster() + " is shutting down");
      return;
    }
    Wire.OpenTo open = Wire.parseOpenTo(frame);
    if (open == null) {
      guard.refuse(
          s,
          number,
          "malformed OPEN_TO: the target (1.."
              + Wire.MAX_NAME
              + " bytes) and origin (0.."
              + Wire.MAX_NAME
              + " bytes) must be UTF-8 text within the frame");
      return;
    }
    byte[] capabilities = Arrays.copyOfRange(frame, open.capabilitiesAt(), frame.length);
    Leg from = new Leg(s, number);
    if (s instanceof GatewayLink link) {
      fromLink(link, from, open.target(), capabilities);
    } else {
      fromPeer(from, open.target(), capabilities);
    }
  }

  /**
   * An open from another cluster: a local name or a forward target, if that cluster is granted it.
   */
  private void fromLink(GatewayLink link, Leg from, String target, byte[] capabilities) {
    GatewayConfig.Grant grant = registry.grant(link.cluster);
    if (target.startsWith(PortForwarder.PREFIX)) {
      String hostPort = target.substring(PortForwarder.PREFIX.length());
      if (grant == null || !grant.forwardTargets().contains(hostPort)) {
        guard.refuse(
            link,
            from.id,
            "cluster "
                + link.cluster
                + " may not forward to "
                + hostPort
                + " through cluster "
                + config.cluster()
                + " (not granted)");
        return;
      }
      forwarder.open(from, hostPort);
      return;
    }
    if (grant == null || !grant.allows(target)) {
      guard.refuse(
          link,
          from.id,
          "cluster "
              + link.cluster
              + " may not reach "
              + target
              + " in cluster "
              + config.cluster()
              + " (not granted)");
      return;
    }
    toLocal(from, target, capabilities);
  }

  /**
   * An open from a local peer towards {@code CLUSTER/NAME}: a local name, or over the link to that
   * cluster (whose gateway decides).
   */
  private void fromPeer(Leg from, String target, byte[] capabilities) {
    int slash = target.indexOf('/');
    String cluster = slash < 0 ? null : target.substring(0, slash);
    String name = slash < 0 ? null : target.substring(slash + 1);
    if (!Wire.validName(cluster) || !Wire.validName(name)) {
      guard.refuse(from.side, from.id, "the target must be CLUSTER/NAME, got " + target);
      return;
    }
    if (cluster.equals(config.cluster())) {
      toLocal(from, name, capabilities);
      return;
    }
    GatewayLink link = table.link(cluster);
    if (link == null) {
      guard.refuse(
          from.side,
          from.id,
          registry.knows(cluster)
              ? "the link to cluster " + cluster + " is down"
              : "unknown cluster " + cluster + " (no link from cluster " + config.cluster() + ")");
      return;
    }
    String busy = guard.busy(link, "the link to cluster " + cluster);
    if (busy != null) {
      guard.refuse(from.side, from.id, busy);
      return;
    }
    Leg to = new Leg(link, link.allocate());
    table.join(from, to);
    guard.send(
        link,
        Wire.openTo(
            to.id, name, "", capabilities)); // the far gateway knows the origin from the link's key
  }

  private void toLocal(Leg from, String name, byte[] capabilities) {
    LocalPeer t = registry.lookup(name);
    if (t == null) {
      guard.refuse(
          from.side,
          from.id,
          "no peer named " + name + " is registered at cluster " + config.cluster());
      return;
    }
    String busy = guard.busy(t, "the peer " + name + " at cluster " + config.cluster());
    if (busy != null) {
      guard.refuse(from.side, from.id, busy);
      return;
    }
    Leg to = new Leg(t, t.allocate());
    table.join(from, to);
    String origin = from.side instanceof GatewayLink l ? l.cluster : config.cluster();
    guard.send(t, Wire.openTo(to.id, name, origin, capabilities));
  }

  // ------------------------------------------------------------------ status and close

  /** A snapshot taken on the loop thread. Any thread. */
  public GatewayStatus status() {
    return onLoop(report::snapshot);
  }

  /** Whether a link to {@code cluster} is up now. Any thread. */
  public boolean linkUp(String cluster) {
    return onLoop(() -> table.link(cluster) != null);
  }

  private <T> T onLoop(Callable<T> task) {
    CompletableFuture<T> f = new CompletableFuture<>();
    Runnable r =
        () -> {
          try {
            f.complete(task.call());
          } catch (Exception | Error e) {
            f.completeExceptionally(e);
          }
        };
    if (loop.inLoop()) {
      r.run();
    } else if (!loop.post(r)) {
      throw new ConnectionLostException(
          "the gateway of cluster " + config.cluster() + " is closed");
    }
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectionLostException("interrupted", e);
    } catch (Exception e) {
      throw new IllegalStateException("the gateway's loop did not answer: " + e, e);
    }
  }

  /**
   * Starts a graceful shutdown and returns once it has begun: the listeners are closed and dialling
   * has stopped, new channels and registrations are refused with a reason, and the channels and
   * forwarded connections that are open go on; once none is left, {@code then} runs (on a thread of
   * its own) and is expected to close this engine. Idempotent; any thread.
   */
  public void shutdown(Runnable then) {
    Callable<Void> begin =
        () -> {
          if (closed || draining) {
            return null;
          }
          draining = true;
          for (Dialer d : dialers) {
            d.stop();
          }
          for (Acceptor a : acceptors) {
            a.close();
          }
          LOG.info(
              "gateway of cluster {} shutting down: {} channel legs and {} forwarded connections"
                  + " are open; it closes once they have",
              config.cluster(),
              relayed() - forwarder.size(),
              forwarder.size());
          untickDrain = loop.everyTick(now -> closeOnceIdle(then));
          closeOnceIdle(then);
          return null;
        };
    if (!closing.get()) {
      try {
        onLoop(begin);
      } catch (ConnectionLostException closedMeanwhile) {
        // the loop has ended: the engine is closed already
      }
    }
  }

  /** Channel legs and forwarded connections open now. Loop thread. */
  private int relayed() {
    int n = forwarder.size();
    for (Side s : table.sides()) {
      n += s.legs.size();
    }
    return n;
  }

  /** While draining: once nothing is relayed, runs {@code then} on a thread of its own. Loop. */
  private void closeOnceIdle(Runnable then) {
    if (!draining || closed || closerStarted || relayed() > 0) {
      return;
    }
    closerStarted = true;
    untickDrain.run();
    Thread t = new Thread(then, "callosum-gateway-" + config.cluster() + "-shutdown");
    t.setDaemon(true);
    t.start();
  }

  /** Whether the engine has closed, its I/O thread ended. */
  public boolean isTerminated() {
    return terminated.isDone();
  }

  /** Waits up to {@code timeout} for the engine to close; true if it did. */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    try {
      terminated.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("termination failed", e.getCause());
    }
  }

  /**
   * Closes listeners, links, peers and forwarded sockets, and ends the I/O thread before returning.
   * Idempotent; any thread but the loop.
   */
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    Runnable shut =
        () -> {
          try {
            if (closed) {
              return;
            }
            closed = true;
            for (Dialer d : dialers) {
              d.stop();
            }
            for (Acceptor a : acceptors) {
              a.close();
            }
            for (Side s : new ArrayList<>(table.sides())) {
              s.conn.shutdown(
                  "the gateway of cluster " + config.cluster() + " is closing",
                  new ConnectionLostException("the gateway closed"));
            }
            forwarder.stop();
          } finally {
            done.complete(null);
          }
        };
    if (loop.post(shut)) {
      done.join();
    }
    loop.close();
    LOG.info("gateway of cluster {} closed", config.cluster());
    terminated.complete(null);
  }
}
