package io.callosum.gateway;

import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import io.callosum.lower.tcp.TcpOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What one {@link Gateway} does: its cluster name, where local peers and other gateways reach it,
 * its CURVE identity, the links it dials, the gateways it lets in, what each remote cluster may
 * reach, and the TCP ports it forwards. Immutable; build one with {@link #builder} or read a file
 * with {@link GatewayConfigFile#read} (docs/GATEWAY.md lists every key).
 *
 * <p>Nothing is granted by default: a remote cluster reaches only the local names (and forward
 * targets) granted to it.
 */
public final class GatewayConfig {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /**
   * A link this gateway dials: to {@code cluster}'s gateway at {@code address}, whose public key
   * must be {@code serverKey}.
   */
  public record Link(String cluster, URI address, CurvePublicKey serverKey) {
    public Link {
      checkName(cluster, "link cluster");
      checkTcp(address, "link address");
      Objects.requireNonNull(serverKey, "serverKey");
    }
  }

  /**
   * A forwarded port: TCP connections accepted at {@code listen} are carried over the link to
   * {@code cluster}, whose gateway connects them to {@code target} ({@code host:port}), like {@code
   * ssh -L}.
   */
  public record Forward(URI listen, String cluster, String target) {
    public Forward {
      checkTcp(listen, "forward listen address");
      checkName(cluster, "forward cluster");
      checkHostPort(target);
    }
  }

  /**
   * What a remote cluster may reach here: peer names (a name ending in {@code *} grants every name
   * that starts with what precedes it; {@code *} alone grants every name), and {@code host:port}
   * forward targets.
   */
  public record Grant(Set<String> names, Set<String> forwardTargets) {
    public Grant {
      names = Set.copyOf(names);
      forwardTargets = Set.copyOf(forwardTargets);
      for (String n : names) {
        if (!n.equals("*")) {
          checkName(n.endsWith("*") ? n.substring(0, n.length() - 1) : n, "granted name");
        }
      }
      forwardTargets.forEach(GatewayConfig::checkHostPort);
    }

    /** Whether {@code name} is granted. */
    public boolean allows(String name) {
      for (String n : names) {
        if (n.endsWith("*") ? name.startsWith(n.substring(0, n.length() - 1)) : n.equals(name)) {
          return true;
        }
      }
      return false;
    }
  }

  private final String cluster;
  private final URI listen;
  private final URI linkListen;
  private final URI admin;
  private final CurveKeyPair keyPair;
  private final List<Link> links;
  private final Map<CurvePublicKey, String> allowedGateways;
  private final Map<String, Grant> grants;
  private final Map<CurvePublicKey, Grant> localPeers;
  private final List<Forward> forwards;
  private final long maxChannelBuffer;
  private final TcpOptions tcp;
  private final Duration statusLog;

  private GatewayConfig(Builder b) {
    this.cluster = checkName(b.cluster, "cluster");
    this.listen = b.listen;
    this.linkListen = b.linkListen;
    this.admin = b.admin;
    this.keyPair = b.keyPair;
    this.links = List.copyOf(b.links);
    this.allowedGateways = Map.copyOf(b.allowedGateways);
    this.grants = Map.copyOf(b.grants);
    this.localPeers = Map.copyOf(b.localPeers);
    this.forwards = List.copyOf(b.forwards);
    this.maxChannelBuffer = b.maxChannelBuffer;
    this.tcp = b.tcp;
    this.statusLog = b.statusLog;
    if (listen != null) {
      checkTcp(listen, "listen address");
    }
    if (linkListen != null) {
      checkTcp(linkListen, "link listen address");
    }
    if (admin != null) {
      checkTcp(admin, "admin address");
    }
    if (keyPair == null && (linkListen != null || !links.isEmpty() || !localPeers.isEmpty())) {
      throw new IllegalArgumentException(
          "gateway "
              + cluster
              + ": links and localPeers need the gateway's CURVE key pair (keyPair)");
    }
    for (Link l : links) {
      if (l.cluster().equals(cluster)) {
        throw new IllegalArgumentException("gateway " + cluster + " links to its own cluster");
      }
    }
    if (allowedGateways.containsValue(cluster)) {
      throw new IllegalArgumentException(
          "gateway "
              + cluster
              + ": allowGateways names its own cluster "
              + cluster
              + " (a gateway dialling in for it would carry the identity of local callers)");
    }
    if (grants.containsKey(cluster)) {
      throw new IllegalArgumentException(
          "gateway "
              + cluster
              + ": grants name its own cluster "
              + cluster
              + " (grants are for remote clusters; local peers reach every local name)");
    }
  }

  public static Builder builder(String cluster) {
    return new Builder(cluster);
  }

  /**
   * This gateway's cluster: the CLUSTER of {@code tunnel://CLUSTER/NAME} for the peers registered
   * here.
   */
  public String cluster() {
    return cluster;
  }

  /** Where local peers connect and register ({@code tcp://host:port}, plain); null for none. */
  public URI listen() {
    return listen;
  }

  /** Where other gateways dial in (CURVE), or null if this gateway only dials out. */
  public URI linkListen() {
    return linkListen;
  }

  /**
   * Where {@code callosum gateway status} asks for {@link Gateway#status()} (a Callosum peer,
   * method {@code status}), or null.
   */
  public URI admin() {
    return admin;
  }

  /** This gateway's CURVE identity on links, or null when it has no links. */
  public CurveKeyPair keyPair() {
    return keyPair;
  }

  public List<Link> links() {
    return links;
  }

  /** The public keys of the gateways allowed to dial in, each with the cluster it speaks for. */
  public Map<CurvePublicKey, String> allowedGateways() {
    return allowedGateways;
  }

  /** What each remote cluster may reach here; a cluster without an entry reaches nothing. */
  public Map<String, Grant> grants() {
    return grants;
  }

  public List<Forward> forwards() {
    return forwards;
  }

  /**
   * When not empty, local peers must connect with CURVE (the gateway's key pair) using one of these
   * keys, and each key may register only the names its grant lists; when empty, local peers connect
   * in plain TCP and may register any name.
   */
  public Map<CurvePublicKey, Grant> localPeers() {
    return localPeers;
  }

  /**
   * Bytes the gateway holds for one channel (waiting for its receiver) before it closes that
   * channel alone.
   */
  public long maxChannelBuffer() {
    return maxChannelBuffer;
  }

  /**
   * Heartbeats, reconnect delays and limits of every connection of the gateway (security options
   * are ignored).
   */
  public TcpOptions tcp() {
    return tcp;
  }

  /** How often every link's channels, bytes and refusals are logged at INFO; null: never. */
  public Duration statusLog() {
    return statusLog;
  }

  @Override
  public String toString() {
    return "GatewayConfig("
        + cluster
        + ", listen "
        + listen
        + ", links in "
        + linkListen
        + ", out "
        + links.size()
        + ", "
        + allowedGateways.size()
        + " allowed gateways, grants "
        + grants.keySet()
        + ", "
        + forwards.size()
        + " forwards)";
  }

  static String checkName(String name, String what) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(what + " must be 1..64 of A-Z a-z 0-9 . _ -: " + name);
    }
    return name;
  }

  private static void checkTcp(URI address, String what) {
    if (address == null
        || !"tcp".equals(address.getScheme())
        || address.getHost() == null
        || address.getPort() < 0) {
      throw new IllegalArgumentException(what + " must be tcp://host:port: " + address);
    }
  }

  private static void checkHostPort(String target) {
    URI u = target == null ? null : URI.create("tcp://" + target);
    if (u == null
        || u.getHost() == null
        || u.getPort() < 1
        || (u.getRawPath() != null && !u.getRawPath().isEmpty())) {
      throw new IllegalArgumentException("a forward target must be host:port: " + target);
    }
  }

  /** Builds a {@link GatewayConfig}; not thread-safe. */
  public static final class Builder {
    private final String cluster;
    private URI listen;
    private URI linkListen;
    private URI admin;
    private CurveKeyPair keyPair;
    private final List<Link> links = new ArrayList<>();
    private final Map<CurvePublicKey, String> allowedGateways = new LinkedHashMap<>();
    private final Map<String, Grant> grants = new LinkedHashMap<>();
    private final Map<CurvePublicKey, Grant> localPeers = new LinkedHashMap<>();
    private final List<Forward> forwards = new ArrayList<>();
    private long maxChannelBuffer = 32L << 20;
    private TcpOptions tcp = TcpOptions.defaults();
    private Duration statusLog = Duration.ofMinutes(1);

    private Builder(String cluster) {
      this.cluster = cluster;
    }

    public Builder listen(URI address) {
      listen = address;
      return this;
    }

    public Builder linkListen(URI address) {
      linkListen = address;
      return this;
    }

    public Builder admin(URI address) {
      admin = address;
      return this;
    }

    public Builder keyPair(CurveKeyPair keys) {
      keyPair = keys;
      return this;
    }

    /**
     * Dials {@code cluster}'s gateway (works from behind NAT: the link carries channels both ways).
     */
    public Builder link(String cluster, URI address, CurvePublicKey serverKey) {
      links.add(new Link(cluster, address, serverKey));
      return this;
    }

    /** Lets the gateway holding {@code key} dial in; it speaks for {@code cluster}. */
    public Builder allowGateway(String cluster, CurvePublicKey key) {
      allowedGateways.put(
          Objects.requireNonNull(key, "key"), checkName(cluster, "allowed gateway cluster"));
      return this;
    }

    /** Lets {@code remoteCluster} reach the local peers registered as {@code names}. */
    public Builder grant(String remoteCluster, String... names) {
      Grant g =
          grants.getOrDefault(
              checkName(remoteCluster, "granted cluster"), new Grant(Set.of(), Set.of()));
      Set<String> n = new LinkedHashSet<>(g.names());
      n.addAll(List.of(names));
      grants.put(remoteCluster, new Grant(n, g.forwardTargets()));
      return this;
    }

    /** Lets {@code remoteCluster} forward TCP connections to {@code hostPort} from this gateway. */
    public Builder grantForward(String remoteCluster, String hostPort) {
      Grant g =
          grants.getOrDefault(
              checkName(remoteCluster, "granted cluster"), new Grant(Set.of(), Set.of()));
      Set<String> t = new LinkedHashSet<>(g.forwardTargets());
      t.add(hostPort);
      grants.put(remoteCluster, new Grant(g.names(), t));
      return this;
    }

    /**
     * Requires CURVE from local peers and lets the peer holding {@code key} in, registering only
     * {@code names} (patterns as in {@link Grant}; none: it may only call).
     */
    public Builder localPeer(CurvePublicKey key, String... names) {
      localPeers.put(Objects.requireNonNull(key, "key"), new Grant(Set.of(names), Set.of()));
      return this;
    }

    /**
     * Forwards TCP connections accepted at {@code listen} through the link to {@code cluster}, to
     * {@code target} (host:port) there.
     */
    public Builder forward(URI listen, String cluster, String target) {
      forwards.add(new Forward(listen, cluster, target));
      return this;
    }

    public Builder maxChannelBuffer(long bytes) {
      if (bytes < 64 << 10) {
        throw new IllegalArgumentException("the channel buffer must be at least 64 KiB: " + bytes);
      }
      maxChannelBuffer = bytes;
      return this;
    }

    public Builder tcp(TcpOptions options) {
      tcp = Objects.requireNonNull(options, "options");
      return this;
    }

    /**
     * Logs every link's channels, bytes and refusals at INFO every {@code interval}; null or zero:
     * never.
     */
    public Builder statusLog(Duration interval) {
      statusLog = interval == null || interval.isZero() || interval.isNegative() ? null : interval;
      return this;
    }

    public GatewayConfig build() {
      return new GatewayConfig(this);
    }
  }
}
