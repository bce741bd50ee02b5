package io.callosum;

import io.callosum.internal.PeerEngine;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * A peer that connects to one bound peer and calls it directly: it is an {@link Invoker} of its one
 * {@link #remote()}, and serves that remote's calls (callbacks included) with its own handlers.
 * Made by {@code Peer.builder().connect(address)}; thread-safe (see {@link Peer}).
 */
public final class ConnectedPeer extends Peer implements Invoker {
  ConnectedPeer(PeerEngine engine) {
    super(engine);
  }

  /**
   * Connects, and returns once the remote is connected; throws {@link ConnectionLostException}
   * (unreachable, refused, or the {@link Builder#connectTimeout} passed), {@link
   * AuthenticationException} when the lower's authentication failed, {@link IllegalStateException}
   * if already started or closed.
   */
  @Override
  public ConnectedPeer start() {
    super.start();
    return this;
  }

  @Override
  public ConnectedPeer handle(String method, Handler handler) {
    super.handle(method, handler);
    return this;
  }

  @Override
  public <T> ConnectedPeer handle(String method, Class<T> type, Handler.Typed<T> handler) {
    super.handle(method, type, handler);
    return this;
  }

  @Override
  public ConnectedPeer handleStream(String method, StreamHandler handler) {
    super.handleStream(method, handler);
    return this;
  }

  @Override
  public ConnectedPeer unhandle(String method) {
    super.unhandle(method);
    return this;
  }

  /**
   * Calls a method of the remote. Called from inside a handler, the call is a callback of the call
   * being served (see {@link Ordering}). A call made before {@link #start()} or after the
   * connection was lost fails its future with {@link ConnectionLostException}.
   */
  @Override
  public Invocation call(String method) {
    return engine.call(method);
  }

  /** The remote; throws {@link ConnectionLostException} if not connected. */
  public RemotePeer remote() {
    RemotePeer r = engine.primary();
    if (r == null || !r.isConnected()) {
      throw new ConnectionLostException("not connected");
    }
    return r;
  }

  /**
   * Describes a {@link ConnectedPeer}: the common {@link Peer.Options}, the {@link
   * #connectTimeout}, then {@link #build()}. Not thread-safe.
   */
  public static final class Builder extends Peer.Options<Builder> {
    private final URI address;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;

    Builder(Peer.Options<?> options, URI address) {
      super(options);
      this.address = address;
    }

    /** How long {@link ConnectedPeer#start()} may take to connect. Default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /**
     * Builds the peer, not started yet. Throws {@link IllegalArgumentException} for an unknown
     * scheme.
     */
    public ConnectedPeer build() {
      return new ConnectedPeer(engine(address, false, connectTimeout));
    }
  }
}
