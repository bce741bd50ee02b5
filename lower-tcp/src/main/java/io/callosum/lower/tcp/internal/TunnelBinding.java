package io.callosum.lower.tcp.internal;

import io.callosum.CallosumException;
import io.callosum.ConnectionLostException;
import io.callosum.lower.Endpoint;
import io.callosum.lower.LinkListener;
import io.callosum.lower.TransportConfig;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bind on {@code tunnel://CLUSTER/NAME}: the transport dials out to its gateway and registers
 * NAME there (no inbound port needed); the gateway then opens channels towards it over that
 * connection, each a link to one remote. After a reconnect the name is registered again. {@link
 * #start} and {@link #close} run on the caller's thread and wait for the loop; the rest runs on the
 * loop thread.
 */
final class TunnelBinding implements Endpoint {
  private static final Logger LOG = LoggerFactory.getLogger(TunnelBinding.class);

  private final ClientBundle bundle;
  private final Addresses.Tunnel address;
  final String name;
  private final TransportConfig config;
  private final LinkListener listener;
  private final byte[] capabilities;
  private final CompletableFuture<Void> first = new CompletableFuture<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  /** The registration token on the current connection (loop thread). */
  int token;

  /** Channels the gateway opened towards this name (loop thread). */
  final Set<Channel> channels = new LinkedHashSet<>();

  private boolean registered;

  TunnelBinding(
      ClientBundle bundle,
      Addresses.Tunnel address,
      TransportConfig config,
      LinkListener listener) {
    this.bundle = bundle;
    this.address = address;
    this.name = address.name();
    this.config = config;
    this.listener = listener;
    this.capabilities = config.localCapabilities().encode();
  }

  /** Registers the name and waits for the gateway's answer (bounded by the connect timeout). */
  TunnelBinding start() {
    bundle.join(
        () -> bundle.add(this),
        first,
        config,
        this::close,
        "register " + address.uri() + " at " + bundle.name);
    return this;
  }

  LinkListener listener() {
    return listener;
  }

  byte[] capabilities() {
    return capabilities;
  }

  boolean isRegistered() {
    return registered;
  }

  /**
   * The gateway took the name; {@code cluster} is its cluster, which must be the one in the
   * address. Loop thread.
   */
  void registered(String cluster) {
    if (!cluster.equals(address.cluster())) {
      refused(
          new ConnectionLostException(
              "the gateway "
                  + bundle.name
                  + " serves cluster "
                  + cluster
                  + ", not "
                  + address.cluster()));
      return;
    }
    registered = true;
    if (!first.complete(null)) {
      LOG.info("{}: registered again at {}", address.uri(), bundle.name);
    }
  }

  /** The gateway refused the name. Loop thread. */
  void refused(CallosumException cause) {
    registered = false;
    first.completeExceptionally(cause);
  }

  /**
   * The connection to the gateway ended; the name is registered again after the reconnect. Loop
   * thread.
   */
  void lost(CallosumException cause) {
    registered = false;
    first.completeExceptionally(cause);
  }

  @Override
  public String address() {
    return address.uri();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    boolean last = bundle.hub.leave(bundle);
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (!bundle.loop.post(
        () -> {
          try {
            bundle.remove(this, last);
          } finally {
            done.complete(null);
          }
        })) {
      done.complete(null);
    }
    if (!bundle.loop.inLoop()) {
      done.join();
    }
    first.completeExceptionally(
        new ConnectionLostException("closed while registering " + address.uri()));
    bundle.hub.release(bundle.loop);
  }

  @Override
  public String toString() {
    return "TunnelBinding(" + address.uri() + ")";
  }
}
