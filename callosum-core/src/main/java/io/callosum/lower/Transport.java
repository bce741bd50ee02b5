package io.callosum.lower;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The lower layer's SPI: moves envelopes between peers. A transport is found by the scheme of the
 * peer's address through {@link java.util.ServiceLoader} ({@code provides
 * io.callosum.lower.Transport}), or passed explicitly with {@code Peer.Options.transport}. It owns
 * its I/O threads; user code never runs on them unless the user opted in ({@code
 * Peer.Options.directExecutor()}).
 */
public interface Transport {
  /** The URI schemes this transport serves, e.g. {@code inproc}. */
  Set<String> schemes();

  /** Listens on {@code address}; every accepted remote becomes a {@link Link}. */
  Endpoint bind(URI address, TransportConfig config, LinkListener listener) throws IOException;

  /**
   * Connects to {@code address} and completes the handshake (capabilities) before returning; {@code
   * listener.connected} has been called (or is queued first on the I/O thread) by then.
   */
  Endpoint connect(URI address, TransportConfig config, LinkListener listener) throws IOException;

  /** Whether this transport offers {@code pattern} ({@link #openSender}, {@link #openReceiver}). */
  default boolean supports(FanoutPattern pattern) {
    return false;
  }

  /**
   * Opens the sending side of a broadcast or pipeline at {@code address} (bound or connected as
   * {@code config} says). {@code writable} is called on the lower's thread after an {@link
   * FanoutSender#offer} returned false, once there is room again; it never blocks.
   *
   * @throws UnsupportedOperationException if this transport does not {@link #supports} the pattern
   */
  default FanoutSender openSender(URI address, FanoutConfig config, Runnable writable)
      throws IOException {
    throw new UnsupportedOperationException(
        getClass().getSimpleName()
            + " offers no "
            + config.pattern().name().toLowerCase(Locale.ROOT));
  }

  /**
   * Opens the receiving side of a broadcast or pipeline at {@code address}. For a broadcast only
   * items whose topic starts with one of {@code topicPrefixes} arrive (an empty prefix, or an empty
   * list, matches every topic); pipelines ignore the prefixes.
   *
   * @throws UnsupportedOperationException if this transport does not {@link #supports} the pattern
   */
  default FanoutReceiver openReceiver(
      URI address, FanoutConfig config, List<String> topicPrefixes, FanoutListener listener)
      throws IOException {
    throw new UnsupportedOperationException(
        getClass().getSimpleName()
            + " offers no "
            + config.pattern().name().toLowerCase(Locale.ROOT));
  }
}
