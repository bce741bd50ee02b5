package io.callosum.internal.balance;

import io.callosum.ConnectedPeer;
import io.callosum.Handler;
import io.callosum.StreamHandler;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The handlers of a balanced peer, on every connection: those registered before a connection is
 * made are registered on it before it starts ({@link #attach}), later ones on every live connection
 * at once. Thread-safe: registration and attaching take one lock, so no connection misses a handler
 * registered while it is being made.
 */
public final class Handlers {
  private final Map<String, Consumer<ConnectedPeer>> registrations = new LinkedHashMap<>();
  private final Set<ConnectedPeer> live = Collections.newSetFromMap(new IdentityHashMap<>());

  /** Registers (or replaces) the handler of {@code method}. */
  public void handle(String method, Handler handler) {
    Objects.requireNonNull(handler, "handler");
    register(method, p -> p.handle(method, handler));
  }

  /** Registers (or replaces) the stream handler of {@code method}. */
  public void handleStream(String method, StreamHandler handler) {
    Objects.requireNonNull(handler, "handler");
    register(method, p -> p.handleStream(method, handler));
  }

  private synchronized void register(String method, Consumer<ConnectedPeer> registration) {
    registrations.put(method, registration);
    live.forEach(registration);
  }

  /** Removes the handler of {@code method}. */
  public synchronized void unhandle(String method) {
    registrations.remove(method);
    live.forEach(p -> p.unhandle(method));
  }

  /** Registers every handler on {@code peer}, and later ones too until {@link #detach}. */
  synchronized void attach(ConnectedPeer peer) {
    registrations.values().forEach(r -> r.accept(peer));
    live.add(peer);
  }

  /** {@code peer} is closing: no more registrations reach it. */
  synchronized void detach(ConnectedPeer peer) {
    live.remove(peer);
  }

  /** The connections attached now. */
  synchronized int attached() {
    return live.size();
  }
}
