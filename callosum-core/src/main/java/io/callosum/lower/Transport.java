package io.callosum.lower;

import java.io.IOException;
import java.net.URI;
import java.util.Set;

/**
 * The lower layer's SPI: moves envelopes between peers. A transport is found by the scheme of the
 * peer's address through {@link java.util.ServiceLoader} ({@code provides
 * io.callosum.lower.Transport}), or passed explicitly with {@code Peer.Builder.transport}. It owns
 * its I/O threads; user code never runs on them unless the user opted in ({@code
 * Peer.Builder.directExecutor()}).
 */
public interface Transport {
  /** The URI schemes this transport serves, e.g. {@code inproc}. */
  Set<String> schemes();

  /** Listens on {@code address}; every accepted remote becomes a {@link Link}. */
  Endpoint bind(URI address, TransportConfig config, LinkListener listener) throws IOException;

  /**
   * Connects to {@code address} and completes the handshake (capabilities) before returning;
   * {@code listener.connected} has been called (or is queued first on the I/O thread) by then.
   */
  Endpoint connect(URI address, TransportConfig config, LinkListener listener) throws IOException;
}
