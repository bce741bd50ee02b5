package io.callosum.gateway.internal;

import io.callosum.AuthenticationException;
import io.callosum.CallosumException;
import io.callosum.ConnectionLostException;
import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurvePublicKey;
import io.callosum.gateway.Gateway;
import io.callosum.gateway.GatewayConfig;
import io.callosum.gateway.GatewayStatus;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.internal.Backoff;
import io.callosum.lower.tcp.internal.FrameConnection;
import io.callosum.lower.tcp.internal.FrameSink;
import io.callosum.lower.tcp.internal.RefusalLog;
import io.callosum.lower.tcp.internal.RelayLoop;
import io.callosum.lower.tcp.internal.Wire;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay of a gateway, on one I/O loop: local peers connect and register names; links to other
 * gateways (CurveZMQ, dialled or accepted) carry channels both ways; every channel is a pair of
 * legs on two connections, and DATA frames pass from one to the other with only the channel id
 * rewritten, never decoded. Policy is checked on every open that comes over a link. All state is
 * touched on the loop thread only; {@link #status} and {@link #close} hand their work to it.
 */
public final class GatewayEngine implements FrameSink {
  /** The gateway's operator log: one logger for every line about links, registrations and refusals (docs/GATEWAY.md). */
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
  private static final String FORWARD_PREFIX = "tcp://";
  /** After the first few refusals of a connection, at most one line per this interval sums up the rest. */
  private static final long REFUSAL_LOG_INTERVAL = TimeUnit.SECONDS.toNanos(10);
  /** A local peer refused more opens than its channel limit within this window (none accepted between) floods: it is cut. */
  private static final long FLOOD_WINDOW = TimeUnit.SECONDS.toNanos(1);

  /** One end of a relayed channel: channel {@code id} on {@code side}'s connection. */
  static final class Leg {
    final Side side;
    final int id;
    /** The other end on another connection; null when the other end is a forwarded socket. */
    Leg peer;
    ForwardSocket socket;
    /** Whether the open was answered (OPENED) on this leg's side. */
    boolean open;
    /** DATA bytes queued towards this leg's connection, not yet written. */
    long pending;

    Leg(Side side, int id) {
      this.side = side;
      this.id = id;
    }
  }

  /** One connection of the gateway: a local peer, or a link to another cluster's gateway. */
  static final class Side {
    final FrameConnection conn;
    final boolean link;
    final boolean dialed;
    final Dialer dialer;
    String cluster;
    boolean up;
    final Map<Integer, Leg> legs = new HashMap<>();
    final Map<Integer, String> registrations = new HashMap<>();
    int nextId = 1;
    /** Opens refused at the channel limit since {@link #floodWindow} began, with no open accepted since. */
    int refusedOpens;
    long floodWindow;
    final RefusalLog refusalLog = new RefusalLog(REFUSAL_LOG_INTERVAL);

    Side(FrameConnection conn, boolean link, boolean dialed, Dialer dialer, String cluster) {
      this.conn = conn;
      this.link = link;
      this.dialed = dialed;
      this.dialer = dialer;
      this.cluster = cluster;
    }

    /** A fresh channel id in this side's own id space (see {@link Wire#ACCEPTOR_BIT}). */
    int allocate() {
      int base = dialed ? 0 : Wire.ACCEPTOR_BIT;
      int id;
      do {
        id = base | nextId;
        nextId = nextId == Integer.MAX_VALUE ? 1 : nextId + 1;
      } while (legs.containsKey(id));
      return id;
    }

    /** Whether {@code id} belongs to the remote's id space (the ids it may open). */
    boolean remoteSpace(int id) {
      return dialed == ((id & Wire.ACCEPTOR_BIT) != 0);
    }

    String describe() {
      return link ? "cluster " + cluster + " (" + conn.remote() + ")" : "local peer " + conn.remote();
    }
  }

  private record Registration(Side side, int token) {}

  /** An outbound link: dials, and re-dials with backoff after a loss. */
  final class Dialer {
    final GatewayConfig.Link config;
    private final Backoff backoff;
    private Runnable untick;
    private long retryAt;
    private boolean waiting;
    private boolean stopped;

    Dialer(GatewayConfig.Link config) {
      this.config = config;
      this.backoff = loop.backoff();
    }

    void dial() {
      if (stopped) {
        return;
      }
      try {
        ClientAuthenticator auth = ClientAuthenticator.of(config.serverKey(), GatewayEngine.this.config.keyPair());
        FrameConnection c = loop.dial(config.address(), "gateway of " + config.cluster() + " at " + config.address(), auth,
            GatewayEngine.this);
        sides.put(c, new Side(c, true, true, this, config.cluster()));
      } catch (IOException | RuntimeException e) {
        LOG.debug("cannot dial cluster {}: {}", config.cluster(), e.toString());
        lost();
      }
    }

    void lost() {
      if (!stopped) {
        long delay = backoff.next();
        retryAt = System.nanoTime() + delay;
        waiting = true;
        LOG.debug("dialling cluster {} again in {} ms", config.cluster(), delay / 1_000_000);
      }
    }

    void tick(long now) {
      if (waiting && now - retryAt >= 0) {
        waiting = false;
        dial();
      }
    }

    void stop() {
      stopped = true;
      untick.run();
    }
  }

  /** Logs every link's channels, bytes and refusals at INFO, every interval. */
  private final class StatusLog {
    private final long interval;
    private long next;

    StatusLog(long interval) {
      this.interval = interval;
      this.next = System.nanoTime() + interval;
    }

    void tick(long now) {
      if (now - next < 0) {
        return;
      }
      next = now + interval;
      for (Side s : sides.values()) {
        if (s.link && s.up) {
          LOG.info("link to cluster {} ({}): {} channels, {} bytes in, {} bytes out, {} refusals", s.cluster, s.dialed ? "out" : "in",
              s.legs.size(), s.conn.bytesIn(), s.conn.bytesOut(), linkRefusals.getOrDefault(s.cluster, 0L));
        }
      }
    }
  }

  private final GatewayConfig config;
  private final TcpOptions options;
  private final RelayLoop loop;
  private final Map<FrameConnection, Side> sides = new LinkedHashMap<>();
  /** Every up link per cluster, oldest first; new channels take the newest (both gateways may dial each other). */
  private final Map<String, List<Side>> links = new HashMap<>();
  private final Map<String, Registration> names = new HashMap<>();
  private final Map<String, Long> linkRefusals = new HashMap<>();
  private final List<Dialer> dialers = new ArrayList<>();
  private final List<Acceptor> acceptors = new ArrayList<>();
  private final Set<ForwardSocket> sockets = new HashSet<>();
  private final AllowListAuthenticator linkAuthenticator;
  /** Local peers' keys (user id: the key in Z85) and what each may register; null: local peers connect in plain. */
  private final AllowListAuthenticator peerAuthenticator;
  private final Map<String, GatewayConfig.Grant> peerGrants = new HashMap<>();
  private long refusals;
  private String localAddress;
  private String linkAddress;
  private final List<String> forwardAddresses = new ArrayList<>();
  private boolean closed;
  private final AtomicBoolean closing = new AtomicBoolean();
  /** Stops the check of forwarded sockets' deadlines (see {@link ForwardSocket#expire}). */
  private Runnable forwardDeadlines;

  private GatewayEngine(GatewayConfig config) {
    this.config = config;
    this.options = config.tcp().toBuilder().curveClient(null).curveServer(null).gateway(null).build();
    this.loop = RelayLoop.start(options);
    if (config.keyPair() != null) {
      linkAuthenticator = new AllowListAuthenticator(config.cluster(), config.keyPair());
      for (Map.Entry<CurvePublicKey, String> e : config.allowedGateways().entrySet()) {
        linkAuthenticator.allow(e.getKey(), e.getValue());
      }
    } else {
      linkAuthenticator = null;
    }
    if (config.localPeers().isEmpty()) {
      peerAuthenticator = null;
    } else {
      peerAuthenticator = new AllowListAuthenticator(config.cluster() + "-peers", config.keyPair());
      for (Map.Entry<CurvePublicKey, GatewayConfig.Grant> e : config.localPeers().entrySet()) {
        peerAuthenticator.allow(e.getKey(), e.getKey().z85());
        peerGrants.put(e.getKey().z85(), e.getValue());
      }
    }
  }

  /** Binds the listeners, starts dialling the links, and returns the running gateway. */
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
        Acceptor a = Acceptor.open(g.loop, f.listen(), (sc, remote) -> g.acceptForward(f, sc, remote));
        g.acceptors.add(a);
        g.forwardAddresses.add(a.address());
      }
      g.onLoop(() -> {
        g.forwardDeadlines = g.loop.everyTick(g::expireForwards);
        if (config.statusLog() != null) {
          g.loop.everyTick(g.new StatusLog(config.statusLog().toNanos())::tick);
        }
        for (GatewayConfig.Link l : config.links()) {
          Dialer d = g.new Dialer(l);
          g.dialers.add(d);
          d.untick = g.loop.everyTick(d::tick);
          d.dial();
        }
        return null;
      });
    } catch (IOException | RuntimeException e) {
      g.close();
      throw e;
    }
    LOG.info("gateway of cluster {} started: peers at {}, links at {}, {} outbound links, {} forwards", config.cluster(), g.localAddress,
        g.linkAddress, config.links().size(), config.forwards().size());
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

  /** Past {@code TcpOptions.maxConnections} (peers, links and forwarded sockets together) a new connection is closed at once. */
  private boolean full(SocketChannel sc, String remote, String what) throws IOException {
    if (sides.size() + sockets.size() < options.maxConnections()) {
      return false;
    }
    LOG.warn("gateway {}: refused {} from {}: it serves at most {} connections", config.cluster(), what, remote, options.maxConnections());
    refusals++;
    sc.close();
    return true;
  }

  private void acceptPeer(SocketChannel sc, String remote) throws IOException {
    if (full(sc, remote, "a local peer")) {
      return;
    }
    FrameConnection c = loop.accept(sc, remote, peerAuthenticator, this);
    sides.put(c, new Side(c, false, false, null, null));
  }

  private void acceptLink(SocketChannel sc, String remote) throws IOException {
    if (full(sc, remote, "a gateway")) {
      return;
    }
    FrameConnection c = loop.accept(sc, remote, linkAuthenticator, this);
    sides.put(c, new Side(c, true, false, null, null));
  }

  private void acceptForward(GatewayConfig.Forward f, SocketChannel sc, String remote) throws IOException {
    if (full(sc, remote, "a forwarded connection")) {
      return;
    }
    Side link = link(f.cluster());
    if (link == null) {
      LOG.warn("forward {} -> {}:{} from {}: the link to cluster {} is down; closing the connection", f.listen(), f.cluster(), f.target(),
          remote, f.cluster());
      sc.close();
      return;
    }
    String busy = busy(link, "the link to cluster " + f.cluster());
    if (busy != null) {
      LOG.warn("forward {} -> {}:{} from {}: {}; closing the connection", f.listen(), f.cluster(), f.target(), remote, busy);
      refusals++;
      sc.close();
      return;
    }
    Leg leg = new Leg(link, link.allocate());
    ForwardSocket s = ForwardSocket.accepted(loop, sc, leg, forwardEvents, remote + " -> " + f.cluster() + ":" + f.target());
    leg.socket = s;
    link.legs.put(leg.id, leg);
    sockets.add(s);
    send(link, Wire.openTo(leg.id, FORWARD_PREFIX + f.target(), "", new byte[0]));
  }

  private final ForwardSocket.Events forwardEvents = new ForwardSocket.Events() {
    @Override
    public void connected(ForwardSocket s) {
      Leg leg = s.leg;
      if (leg.side.legs.get(leg.id) != leg) {
        s.close(); // the channel was closed while connecting
        sockets.remove(s);
        return;
      }
      leg.open = true;
      if (send(leg.side, Wire.channelFrame(Wire.OPENED, leg.id, new byte[0]))) {
        s.start();
      }
    }

    @Override
    public void ended(ForwardSocket s, String reason) {
      sockets.remove(s);
      Leg leg = s.leg;
      if (leg.side.legs.get(leg.id) == leg) {
        if (!leg.open && !reason.isEmpty()) {
          refusal(leg.side, "forward channel " + Integer.toUnsignedString(leg.id) + ": " + reason);
        }
        release(leg, reason, true);
      }
    }
  };

  private void expireForwards(long now) {
    for (ForwardSocket f : new ArrayList<>(sockets)) {
      f.expire(now, options.handshakeTimeout().toNanos());
    }
  }

  // ------------------------------------------------------------------ FrameSink

  @Override
  public void established(FrameConnection c) {
    Side s = sides.get(c);
    if (s == null) {
      return;
    }
    s.up = true;
    if (!s.link) {
      return;
    }
    if (!s.dialed) {
      s.cluster = c.userId();
    } else {
      s.dialer.backoff.reset();
    }
    List<Side> up = links.computeIfAbsent(s.cluster, k -> new ArrayList<>());
    up.remove(s);
    up.add(s);
    LOG.info("link to cluster {} up ({}, {}){}", s.cluster, s.dialed ? "dialled" : "accepted", c.remote(), up.size() == 1 ? ""
        : "; " + up.size() + " links to it are up, new channels take this newest one");
  }

  @Override
  public void frame(FrameConnection c, int kind, int number, byte[] frame) {
    Side s = sides.get(c);
    if (s == null) {
      return;
    }
    switch (kind) {
      case Wire.DATA:
        data(s, number, frame);
        break;
      case Wire.OPEN:
        refuse(s, number, "this is the gateway of cluster " + config.cluster() + ": open channels with a target (tunnel://CLUSTER/NAME)");
        break;
      case Wire.OPEN_TO:
        openTo(s, number, frame);
        break;
      case Wire.OPENED:
        opened(s, number, frame);
        break;
      case Wire.CLOSE: {
        Leg leg = s.legs.get(number);
        if (leg == null) {
          LOG.debug("{}: CLOSE for channel {}, which is not open", s.describe(), Integer.toUnsignedString(number));
          return;
        }
        closeChannel(leg, Wire.reason(frame, Wire.CHANNEL_FRAME_HEADER), true);
        break;
      }
      case Wire.REGISTER:
        register(s, number, frame);
        break;
      case Wire.UNREGISTER: {
        String name = s.registrations.remove(number);
        if (name != null && names.containsKey(name) && names.get(name).side() == s) {
          names.remove(name);
          LOG.info("{} unregistered {}", s.describe(), name);
        }
        break;
      }
      case Wire.CREDIT:
        credit(s, number, frame);
        break;
      default:
        c.abort(Wire.PROTOCOL, "frame kind 0x" + Integer.toHexString(kind) + " is not sent to a gateway");
    }
  }

  private void register(Side s, int token, byte[] frame) {
    if (s.link) {
      s.conn.abort(Wire.PROTOCOL, "REGISTER on a link between gateways");
      return;
    }
    int n = frame.length - Wire.CHANNEL_FRAME_HEADER;
    String name = n > Wire.MAX_NAME ? null : Wire.text(frame, Wire.CHANNEL_FRAME_HEADER, n);
    String problem = null;
    if (!Wire.validName(name)) {
      problem = "a name is 1..64 of A-Z a-z 0-9 . _ - (got " + (name == null ? n + " bytes that are not such text" : "\"" + name + "\"")
          + ")";
    } else if (peerAuthenticator != null && !peerGrants.get(s.conn.userId()).allows(name)) {
      problem = "the key of this peer may not register " + name + " at cluster " + config.cluster();
    } else if (s.registrations.size() >= options.maxChannelsPerConnection() && !s.registrations.containsKey(token)) {
      problem = "at most " + options.maxChannelsPerConnection() + " names per connection";
    }
    if (problem != null) {
      refusal(s, "registration refused: " + problem);
      send(s, Wire.registered(token, false, problem));
      return;
    }
    String previous = s.registrations.put(token, name);
    if (previous != null && !previous.equals(name) && names.containsKey(previous) && names.get(previous).side() == s) {
      names.remove(previous);
    }
    Registration old = names.put(name, new Registration(s, token));
    if (old != null && old.side() != s) {
      LOG.info("{} takes over the name {} from {}", s.describe(), name, old.side().describe());
    } else {
      LOG.info("{} registered {}", s.describe(), name);
    }
    send(s, Wire.registered(token, true, config.cluster()));
  }

  private void openTo(Side s, int number, byte[] frame) {
    if (!s.remoteSpace(number) || !Wire.openable(number)) {
      s.conn.abort(Wire.PROTOCOL, "channel id " + Integer.toUnsignedString(number) + (Wire.openable(number)
          ? " is not in the opener's id space" : " is not an opener's id (1..2^31-1 in its space)"));
      return;
    }
    if (s.legs.containsKey(number)) {
      s.conn.abort(Wire.PROTOCOL, "channel " + Integer.toUnsignedString(number) + " is already open");
      return;
    }
    int max = options.maxChannelsPerConnection();
    if (s.legs.size() >= max) {
      long now = System.nanoTime();
      if (now - s.floodWindow > FLOOD_WINDOW) {
        s.floodWindow = now;
        s.refusedOpens = 0;
      }
      // A local peer refused past its limit again and again within the window floods; a link is never cut for it (every
      // channel between the two clusters would be lost because some callers were refused): its refusals are only bounded.
      if (++s.refusedOpens > max && !s.link) {
        s.conn.abort(Wire.LIMIT, "flood of channel opens: " + s.refusedOpens + " refused within " + FLOOD_WINDOW / 1_000_000
            + " ms past the limit of " + max + " channels");
      } else {
        refuse(s, number, "channel limit of " + max + " per connection reached");
      }
      return;
    }
    s.refusedOpens = 0;
    Wire.OpenTo open = Wire.parseOpenTo(frame);
    if (open == null) {
      refuse(s, number, "malformed OPEN_TO: the target (1.." + Wire.MAX_NAME + " bytes) and origin (0.." + Wire.MAX_NAME
          + " bytes) must be UTF-8 text within the frame");
      return;
    }
    String target = open.target();
    byte[] capabilities = Arrays.copyOfRange(frame, open.capabilitiesAt(), frame.length);
    Leg from = new Leg(s, number);
    if (s.link) {
      GatewayConfig.Grant grant = config.grants().get(s.cluster);
      if (target.startsWith(FORWARD_PREFIX)) {
        String hostPort = target.substring(FORWARD_PREFIX.length());
        if (grant == null || !grant.forwardTargets().contains(hostPort)) {
          refuse(s, number, "cluster " + s.cluster + " may not forward to " + hostPort + " through cluster " + config.cluster()
              + " (not granted)");
          return;
        }
        openForward(from, hostPort);
        return;
      }
      if (grant == null || !grant.allows(target)) {
        refuse(s, number, "cluster " + s.cluster + " may not reach " + target + " in cluster " + config.cluster() + " (not granted)");
        return;
      }
      toLocal(from, target, capabilities);
      return;
    }
    int slash = target.indexOf('/');
    String cluster = slash < 0 ? null : target.substring(0, slash);
    String name = slash < 0 ? null : target.substring(slash + 1);
    if (!Wire.validName(cluster) || !Wire.validName(name)) {
      refuse(s, number, "the target must be CLUSTER/NAME, got " + target);
      return;
    }
    if (cluster.equals(config.cluster())) {
      toLocal(from, name, capabilities);
      return;
    }
    Side link = link(cluster);
    if (link == null) {
      boolean known = config.links().stream().anyMatch(l -> l.cluster().equals(cluster)) || config.allowedGateways().containsValue(cluster);
      refuse(s, number, known ? "the link to cluster " + cluster + " is down" : "unknown cluster " + cluster + " (no link from cluster "
          + config.cluster() + ")");
      return;
    }
    String busy = busy(link, "the link to cluster " + cluster);
    if (busy != null) {
      refuse(s, number, busy);
      return;
    }
    Leg to = new Leg(link, link.allocate());
    join(from, to);
    send(link, Wire.openTo(to.id, name, "", capabilities)); // the far gateway knows the origin from the link's key
  }

  /** The newest up link to {@code cluster}, or null. */
  private Side link(String cluster) {
    List<Side> up = links.get(cluster);
    return up == null ? null : up.get(up.size() - 1);
  }

  private void toLocal(Leg from, String name, byte[] capabilities) {
    Registration r = names.get(name);
    if (r == null) {
      refuse(from.side, from.id, "no peer named " + name + " is registered at cluster " + config.cluster());
      return;
    }
    Side t = r.side();
    String busy = busy(t, "the peer " + name + " at cluster " + config.cluster());
    if (busy != null) {
      refuse(from.side, from.id, busy);
      return;
    }
    Leg to = new Leg(t, t.allocate());
    join(from, to);
    String origin = from.side.link ? from.side.cluster : config.cluster();
    send(t, Wire.openTo(to.id, name, origin, capabilities));
  }

  /**
   * Why no new channel may go to {@code t} now, or null: it has its channel limit open, or its send
   * backlog is full (it does not keep up; if it has taken nothing for a heartbeat interval, it does
   * not read and is cut). The opener is refused with this reason, rather than the
   * far gateway or peer refusing it (and counting it against the whole link).
   */
  private String busy(Side t, String what) {
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
      return what + " does not read: the gateway of cluster " + config.cluster() + " held " + backlog + " bytes for it (limit "
          + options.maxSendBacklog() + ") and cut it";
    }
    return what + " does not keep up: the gateway of cluster " + config.cluster() + " holds " + backlog + " bytes for it (limit "
        + options.maxSendBacklog() + ")";
  }

  /**
   * Queues a frame other than DATA (opens, OPENED, CLOSE, refusals, REGISTERED) towards {@code to}.
   * What the gateway queues towards one connection is bounded, whether or not its channels are still
   * open: DATA up to {@code TcpOptions.maxSendBacklog}, other frames up to a quarter more (so that
   * closes still pass a backlog full of DATA). Past that the connection is cut: it does not read
   * what it is sent. False if it was cut.
   */
  private boolean send(Side to, byte[] frame) {
    long backlog = to.conn.backlog().queuedBytes();
    if (backlog + frame.length > options.maxSendBacklog() + options.maxSendBacklog() / 4) {
      cut(to, backlog);
      return false;
    }
    to.conn.send(frame);
    return true;
  }

  /** Cuts {@code s}, for which the gateway holds {@code backlog} bytes: it does not read (all its channels are closed). */
  private void cut(Side s, long backlog) {
    s.conn.abort(Wire.LIMIT, "the gateway of cluster " + config.cluster() + " holds " + backlog + " bytes for this connection (limit "
        + options.maxSendBacklog() + ", TcpOptions.maxSendBacklog): it does not read");
  }

  private void join(Leg a, Leg b) {
    a.peer = b;
    b.peer = a;
    a.side.legs.put(a.id, a);
    b.side.legs.put(b.id, b);
  }

  private void openForward(Leg from, String hostPort) {
    URI u = URI.create(FORWARD_PREFIX + hostPort);
    InetSocketAddress at;
    try {
      at = RelayLoop.resolve(u);
      from.side.legs.put(from.id, from);
      ForwardSocket s = ForwardSocket.connect(loop, at, from, forwardEvents);
      from.socket = s;
      sockets.add(s);
    } catch (IOException | RuntimeException e) {
      from.side.legs.remove(from.id, from);
      refuse(from.side, from.id, "cannot connect to " + hostPort + ": " + e.getMessage());
    }
  }

  private void opened(Side s, int number, byte[] frame) {
    Leg leg = s.legs.get(number);
    if (leg == null || s.remoteSpace(number)) {
      LOG.debug("{}: OPENED for channel {}, which this gateway is not opening", s.describe(), Integer.toUnsignedString(number));
      if (leg == null && !s.remoteSpace(number)) {
        send(s, Wire.close(number, "the opener has gone"));
      }
      return;
    }
    if (leg.open) {
      LOG.debug("{}: a second OPENED for channel {}", s.describe(), Integer.toUnsignedString(number));
      return;
    }
    leg.open = true;
    if (leg.socket != null) {
      leg.socket.start();
      return;
    }
    Leg p = leg.peer;
    p.open = true;
    send(p.side, Wire.channelFrame(Wire.OPENED, p.id, Arrays.copyOfRange(frame, Wire.CHANNEL_FRAME_HEADER, frame.length)));
  }

  private void credit(Side s, int number, byte[] frame) {
    Leg leg = s.legs.get(number);
    if (leg == null) {
      LOG.debug("{}: CREDIT for channel {}, which is not open", s.describe(), Integer.toUnsignedString(number));
      return;
    }
    if (frame.length != Wire.CHANNEL_FRAME_HEADER + 4 || leg.socket == null || !leg.open) {
      closeChannel(leg, frame.length != Wire.CHANNEL_FRAME_HEADER + 4 ? "malformed CREDIT frame" : "CREDIT on a channel that is not an"
          + " open forward", false);
      LOG.warn("{}: bad CREDIT on channel {}; closed it", s.describe(), Integer.toUnsignedString(number));
      return;
    }
    if (!leg.socket.credit(Wire.getInt(frame, 5))) {
      LOG.warn("{}: credit overflow on forward channel {} (past the window of {} bytes); closed it", s.describe(),
          Integer.toUnsignedString(number), Wire.FORWARD_WINDOW);
      closeChannel(leg, "credit overflow: more than the window of " + Wire.FORWARD_WINDOW + " bytes granted", false);
    }
  }

  private void data(Side s, int number, byte[] frame) {
    Leg leg = s.legs.get(number);
    if (leg == null) {
      LOG.debug("{}: dropped DATA for channel {}, which is not open", s.conn.remote(), Integer.toUnsignedString(number));
      return;
    }
    if (!leg.open) {
      LOG.warn("{}: DATA on channel {} before it was open; closing it", s.describe(), Integer.toUnsignedString(number));
      closeChannel(leg, "DATA before the channel was open", false);
      return;
    }
    if (leg.socket != null) {
      leg.socket.fromLink(frame);
      return;
    }
    Leg to = leg.peer;
    long n = frame.length;
    if (to.pending + n > config.maxChannelBuffer()) {
      String why = "the gateway of cluster " + config.cluster() + " holds " + to.pending + " bytes for this channel (limit "
          + config.maxChannelBuffer() + "): its receiver does not keep up";
      LOG.warn("{}: channel {} closed: {}", to.side.describe(), Integer.toUnsignedString(to.id), why);
      closeChannel(leg, why, false);
      return;
    }
    long backlog = to.side.conn.backlog().queuedBytes();
    if (backlog + n > options.maxSendBacklog()) {
      // The bound of the whole connection: bytes of channels closed earlier still count until written.
      if (to.side.conn.backlog().stalled()) {
        cut(to.side, backlog);
        return;
      }
      String why = "the gateway of cluster " + config.cluster() + " holds " + backlog + " bytes for the connection of this channel's"
          + " receiver (limit " + options.maxSendBacklog() + "): its receiver does not keep up";
      LOG.warn("{}: channel {} closed: {}", to.side.describe(), Integer.toUnsignedString(to.id), why);
      closeChannel(leg, why, false);
      return;
    }
    Wire.putInt(frame, 1, to.id);
    to.pending += n;
    to.side.conn.send(frame, () -> to.pending -= n);
  }

  @Override
  public void closed(FrameConnection c, CallosumException cause) {
    Side s = sides.remove(c);
    if (s == null) {
      return;
    }
    int open = s.legs.size();
    String why = s.link ? "the link between clusters " + config.cluster() + " and " + s.cluster + " was lost: " + cause.getMessage()
        : "connection lost: " + cause.getMessage();
    for (Leg leg : new ArrayList<>(s.legs.values())) {
      closeChannel(leg, why, true);
    }
    s.legs.clear();
    String suppressed = s.refusalLog.flush(System.nanoTime());
    if (suppressed != null) {
      LOG.warn("gateway {}: {} from {}", config.cluster(), suppressed, s.describe());
    }
    for (String name : s.registrations.values()) {
      Registration r = names.get(name);
      if (r != null && r.side() == s) {
        names.remove(name);
      }
    }
    if (s.link) {
      List<Side> up = s.cluster == null ? null : links.get(s.cluster);
      if (up != null && up.remove(s)) {
        if (up.isEmpty()) {
          links.remove(s.cluster);
        } else {
          LOG.info("cluster {} stays reachable over its other link ({})", s.cluster, up.get(up.size() - 1).conn.remote());
        }
      }
      if (s.up) {
        LOG.info("link to cluster {} down ({} channels were open, {} bytes in, {} bytes out): {}", s.cluster, open, c.bytesIn(),
            c.bytesOut(), cause.getMessage());
      } else if (cause instanceof AuthenticationException) {
        refusal(s, "link refused: " + cause.getMessage());
      }
      if (s.dialer != null && !closed) {
        s.dialer.lost();
      }
    }
  }

  // ------------------------------------------------------------------ closing channels

  /** Refuses an open of channel {@code number} on {@code s}: a CLOSE with the reason, logged and counted. */
  private void refuse(Side s, int number, String reason) {
    refusal(s, "refused channel " + Integer.toUnsignedString(number) + ": " + reason);
    send(s, Wire.close(number, reason));
  }

  private void refusal(Side s, String what) {
    refusals++;
    if (s.link && s.cluster != null) {
      linkRefusals.merge(s.cluster, 1L, Long::sum);
    }
    String line = s.refusalLog.admit(what, System.nanoTime());
    if (line != null) {
      LOG.warn("gateway {}: {} from {}", config.cluster(), line, s.describe());
    }
  }

  /** Ends the channel of {@code leg}; {@code fromLegSide}: its side closed it already, so only the other end is told. */
  private void closeChannel(Leg leg, String reason, boolean fromLegSide) {
    release(leg, reason, !fromLegSide);
    if (leg.peer != null) {
      release(leg.peer, reason, true);
    }
    if (leg.socket != null) {
      leg.socket.closeAfterDrain(reason.isEmpty());
      if (leg.socket.isClosed()) {
        sockets.remove(leg.socket);
      }
    }
  }

  private void release(Leg leg, String reason, boolean tell) {
    if (leg.side.legs.remove(leg.id, leg) && tell && sides.get(leg.side.conn) == leg.side) {
      send(leg.side, Wire.close(leg.id, reason));
    }
  }

  // ------------------------------------------------------------------ status and close

  /** A snapshot taken on the loop thread. */
  public GatewayStatus status() {
    return onLoop(() -> {
      List<GatewayStatus.LinkStatus> ls = new ArrayList<>();
      Set<String> seen = new TreeSet<>();
      for (Side s : sides.values()) {
        if (s.link && s.cluster != null) {
          seen.add(s.cluster);
          ls.add(new GatewayStatus.LinkStatus(s.cluster, s.dialed ? "out" : "in", s.up, s.legs.size(), s.conn.bytesIn(), s.conn.bytesOut(),
              linkRefusals.getOrDefault(s.cluster, 0L)));
        }
      }
      for (GatewayConfig.Link l : config.links()) {
        if (!seen.contains(l.cluster())) {
          ls.add(new GatewayStatus.LinkStatus(l.cluster(), "out", false, 0, 0, 0, linkRefusals.getOrDefault(l.cluster(), 0L)));
        }
      }
      int local = 0;
      int channels = 0;
      long buffered = 0;
      for (Side s : sides.values()) {
        local += s.link ? 0 : 1;
        channels += s.legs.size();
        buffered += s.conn.backlog().queuedBytes();
      }
      for (ForwardSocket f : sockets) {
        buffered += f.pending();
      }
      return new GatewayStatus(config.cluster(), ls, local, new ArrayList<>(new TreeSet<>(names.keySet())), channels, refusals,
          sockets.size(), buffered);
    });
  }

  /** Whether the link to {@code cluster} is up now. */
  public boolean linkUp(String cluster) {
    return onLoop(() -> link(cluster) != null);
  }

  private <T> T onLoop(Callable<T> task) {
    CompletableFuture<T> f = new CompletableFuture<>();
    Runnable r = () -> {
      try {
        f.complete(task.call());
      } catch (Exception | Error e) {
        f.completeExceptionally(e);
      }
    };
    if (loop.inLoop()) {
      r.run();
    } else if (!loop.post(r)) {
      throw new ConnectionLostException("the gateway of cluster " + config.cluster() + " is closed");
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

  /** Closes listeners, links, peers and forwarded sockets, and ends the I/O thread before returning. Idempotent. */
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    Runnable shut = () -> {
      try {
        if (closed) {
          return;
        }
        closed = true;
        for (Dialer d : dialers) {
          d.stop();
        }
        forwardDeadlines.run();
        for (Acceptor a : acceptors) {
          a.close();
        }
        for (Side s : new ArrayList<>(sides.values())) {
          s.conn.shutdown("the gateway of cluster " + config.cluster() + " is closing",
              new ConnectionLostException("the gateway closed"));
        }
        for (ForwardSocket s : sockets) {
          s.close();
        }
        sockets.clear();
      } finally {
        done.complete(null);
      }
    };
    if (loop.post(shut)) {
      done.join();
    }
    loop.close();
    LOG.info("gateway of cluster {} closed", config.cluster());
  }
}
