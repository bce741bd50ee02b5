package io.callosum.gateway.internal;

import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.CurvePublicKey;
import io.callosum.auth.ServerAuthenticator;
import io.callosum.gateway.Gateway;
import io.callosum.gateway.GatewayConfig;
import io.callosum.lower.tcp.internal.Wire;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may do what at this gateway, and who holds which name: the keys of the gateways that may link
 * in (and the cluster each speaks for), the keys of local peers and the names each may register,
 * what each remote cluster may reach here ({@link GatewayConfig#grants()}), and the names local
 * peers have registered (a later registration of a name takes it over). Loop thread only, except
 * the authenticators, which the TCP lower calls on its authenticator threads.
 */
final class Registry {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private record Registration(LocalPeer peer, int token) {}

  private final GatewayConfig config;
  private final AllowListAuthenticator links;

  /** Local peers' keys (user id: the key in Z85); null: local peers connect in plain. */
  private final AllowListAuthenticator peers;

  private final Map<String, GatewayConfig.Grant> peerGrants = new HashMap<>();
  private final Map<String, Registration> names = new HashMap<>();

  Registry(GatewayConfig config) {
    this.config = config;
    if (config.keyPair() != null) {
      links = new AllowListAuthenticator(config.cluster(), config.keyPair());
      for (Map.Entry<CurvePublicKey, String> e : config.allowedGateways().entrySet()) {
        links.allow(e.getKey(), e.getValue());
      }
    } else {
      links = null;
    }
    if (config.localPeers().isEmpty()) {
      peers = null;
    } else {
      peers = new AllowListAuthenticator(config.cluster() + "-peers", config.keyPair());
      for (Map.Entry<CurvePublicKey, GatewayConfig.Grant> e : config.localPeers().entrySet()) {
        peers.allow(e.getKey(), e.getKey().z85());
        peerGrants.put(e.getKey().z85(), e.getValue());
      }
    }
  }

  /**
   * The gateways that may link in (user id: the cluster each speaks for); null when this gateway
   * has no key pair.
   */
  ServerAuthenticator linkAuthenticator() {
    return links;
  }

  /** The local peers that may connect (CURVE), or null: local peers connect in plain TCP. */
  ServerAuthenticator peerAuthenticator() {
    return peers;
  }

  /** What {@code remoteCluster} may reach here, or null: nothing. */
  GatewayConfig.Grant grant(String remoteCluster) {
    return config.grants().get(remoteCluster);
  }

  /** Whether {@code cluster} is one this gateway links with (dials, or lets in). */
  boolean knows(String cluster) {
    return config.links().stream().anyMatch(l -> l.cluster().equals(cluster))
        || config.allowedGateways().containsValue(cluster);
  }

  /**
   * REGISTER of {@code token} by {@code p} (the name in the rest of {@code frame}): registered and
   * logged, or why not (not a valid name, not one this peer's key may register, more names than
   * {@code maxNames} on its connection).
   */
  String register(LocalPeer p, int token, byte[] frame, int maxNames) {
    int n = frame.length - Wire.CHANNEL_FRAME_HEADER;
    String name = n > Wire.MAX_NAME ? null : Wire.text(frame, Wire.CHANNEL_FRAME_HEADER, n);
    if (!Wire.validName(name)) {
      return "a name is 1..64 of A-Z a-z 0-9 . _ - (got "
          + (name == null ? n + " bytes that are not such text" : "\"" + name + "\"")
          + ")";
    }
    if (peers != null && !peerGrants.get(p.conn.userId()).allows(name)) {
      return "the key of this peer may not register " + name + " at cluster " + config.cluster();
    }
    if (p.registrations.size() >= maxNames && !p.registrations.containsKey(token)) {
      return "at most " + maxNames + " names per connection";
    }
    String previous = p.registrations.put(token, name);
    if (previous != null && !previous.equals(name)) {
      drop(p, previous);
    }
    Registration old = names.put(name, new Registration(p, token));
    if (old != null && old.peer() != p) {
      LOG.info("{} takes over the name {} from {}", p.describe(), name, old.peer().describe());
    } else {
      LOG.info("{} registered {}", p.describe(), name);
    }
    return null;
  }

  /** UNREGISTER of {@code token} by {@code p}. */
  void unregister(LocalPeer p, int token) {
    String name = p.registrations.remove(token);
    if (name != null && drop(p, name)) {
      LOG.info("{} unregistered {}", p.describe(), name);
    }
  }

  /** {@code p} has gone: its names are free. */
  void forget(LocalPeer p) {
    for (String name : p.registrations.values()) {
      drop(p, name);
    }
  }

  /**
   * Frees {@code name} if {@code p} holds it (not if another peer took it over); true if it did.
   */
  private boolean drop(LocalPeer p, String name) {
    Registration r = names.get(name);
    if (r != null && r.peer() == p) {
      names.remove(name);
      return true;
    }
    return false;
  }

  /** The peer registered as {@code name}, or null. */
  LocalPeer lookup(String name) {
    Registration r = names.get(name);
    return r == null ? null : r.peer();
  }

  /** The registered names, sorted. */
  List<String> names() {
    return new ArrayList<>(new TreeSet<>(names.keySet()));
  }
}
