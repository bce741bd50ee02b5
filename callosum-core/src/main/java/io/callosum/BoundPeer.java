package io.callosum;

import io.callosum.internal.PeerEngine;
import java.net.URI;

/**
 * A peer that binds an address and serves any number of remotes: each client that connects becomes
 * one {@link RemotePeer} in {@link #remotes()}. It has no remote of its own to call, so it is no
 * {@link Invoker}: it calls a client back through that client's {@code RemotePeer}, usually the
 * {@link CallContext#caller()} of a call it serves. Made by {@code Peer.builder().bind(address)};
 * thread-safe (see {@link Peer}).
 */
public final class BoundPeer extends Peer {
  BoundPeer(PeerEngine engine) {
    super(engine);
  }

  /**
   * Binds the address and starts serving. Throws {@link java.io.UncheckedIOException} if the
   * address cannot be bound, {@link IllegalStateException} if already started or closed.
   */
  @Override
  public BoundPeer start() {
    super.start();
    return this;
  }

  @Override
  public BoundPeer handle(String method, Handler handler) {
    super.handle(method, handler);
    return this;
  }

  @Override
  public <T> BoundPeer handle(String method, Class<T> type, Handler.Typed<T> handler) {
    super.handle(method, type, handler);
    return this;
  }

  @Override
  public BoundPeer handleStream(String method, StreamHandler handler) {
    super.handleStream(method, handler);
    return this;
  }

  @Override
  public BoundPeer unhandle(String method) {
    super.unhandle(method);
    return this;
  }

  /**
   * Describes a {@link BoundPeer}: the common {@link Peer.Options}, then {@link #build()}. Not
   * thread-safe.
   */
  public static final class Builder extends Peer.Options<Builder> {
    private final URI address;

    Builder(Peer.Options<?> options, URI address) {
      super(options);
      this.address = address;
    }

    /**
     * Builds the peer, not started yet. Throws {@link IllegalArgumentException} for an unknown
     * scheme.
     */
    public BoundPeer build() {
      return new BoundPeer(engine(address, true, DEFAULT_CONNECT_TIMEOUT));
    }
  }
}
