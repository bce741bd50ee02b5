package io.callosum.lower.tcp.internal;

import io.callosum.CallosumException;
import io.callosum.ConnectionLostException;
import io.callosum.lower.Backoff;
import io.callosum.lower.Endpoint;
import io.callosum.lower.LinkListener;
import io.callosum.lower.TransportConfig;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One connect: a channel on its bundle's connection, replaced by a new channel (a new link,
 * announced with {@code connected}) after each reconnect. {@link #start} and {@link #close} run on
 * the caller's thread and wait for the loop; the rest runs on the loop thread.
 */
final class ClientEndpoint implements Endpoint {
  private final ClientBundle bundle;
  private final String address;
  private final TransportConfig config;
  private final LinkListener listener;
  private final byte[] capabilities;
  private final CompletableFuture<Void> first = new CompletableFuture<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * {@code CLUSTER/NAME} when this endpoint reaches a peer through a gateway; null for a direct
   * connect.
   */
  private final String target;

  private Channel channel;

  /** Delays between re-opens of a tunnel's channel (loop thread). */
  Backoff backoff;

  /** When a tunnel's channel is opened again (System.nanoTime), or 0. Loop thread. */
  long retryAt;

  ClientEndpoint(
      ClientBundle bundle,
      String address,
      String target,
      TransportConfig config,
      LinkListener listener) {
    this.bundle = bundle;
    this.address = address;
    this.target = target;
    this.config = config;
    this.listener = listener;
    this.capabilities = config.localCapabilities().encode();
  }

  /** Joins the bundle and waits for the first channel (bounded by the connect timeout). */
  ClientEndpoint start() {
    bundle.join(() -> bundle.add(this), first, config, this::close, "connect to " + address);
    return this;
  }

  LinkListener listener() {
    return listener;
  }

  byte[] capabilities() {
    return capabilities;
  }

  String target() {
    return target;
  }

  /** Whether a first channel was opened (the connect succeeded). */
  boolean hasConnected() {
    return first.isDone() && !first.isCompletedExceptionally();
  }

  boolean hasChannel() {
    return channel != null;
  }

  Channel channel() {
    return channel;
  }

  /** A channel opened for this endpoint: announce it (loop thread). */
  void opened(Channel ch) {
    channel = ch;
    ch.announce();
    first.complete(null);
  }

  /** The channel closed or was lost (loop thread). */
  void channelGone(Channel ch) {
    if (channel == ch) {
      channel = null;
    }
  }

  /** The first connect failed with {@code cause}; no effect once a channel was opened. */
  void failFirst(CallosumException cause) {
    first.completeExceptionally(cause);
  }

  @Override
  public String address() {
    return address;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    boolean last = bundle.hub.leave(bundle);
    CompletableFuture<Void> done = new CompletableFuture<>();
    Runnable leave =
        () -> {
          try {
            bundle.remove(this, last);
          } finally {
            done.complete(null);
          }
        };
    if (!bundle.loop.post(leave)) {
      done.complete(null);
    }
    if (!bundle.loop.inLoop()) {
      done.join();
    }
    first.completeExceptionally(
        new ConnectionLostException("closed while connecting to " + address));
    bundle.hub.release(bundle.loop);
  }

  @Override
  public String toString() {
    return "ClientEndpoint(" + address + ")";
  }
}
