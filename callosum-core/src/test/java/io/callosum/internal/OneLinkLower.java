package io.callosum.internal;

import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.LinkListener;
import io.callosum.lower.Transport;
import io.callosum.lower.TransportConfig;
import io.callosum.testing.IdleEndpoint;
import java.net.URI;
import java.util.Set;

/**
 * A lower with one link, driven by the test: a peer binds to it, and the test delivers envelopes to
 * the peer on its own thread, as a lower's I/O thread would. It only binds.
 */
final class OneLinkLower<L extends Link> implements Transport {
  final L link;
  private final String scheme;
  LinkListener listener;

  OneLinkLower(String scheme, L link) {
    this.scheme = scheme;
    this.link = link;
  }

  void deliver(byte[] header, byte[] body) {
    listener.received(link, new Envelope(header, body));
  }

  @Override
  public Set<String> schemes() {
    return Set.of(scheme);
  }

  @Override
  public Endpoint bind(URI address, TransportConfig config, LinkListener listener) {
    this.listener = listener;
    return new IdleEndpoint(address);
  }

  @Override
  public Endpoint connect(URI address, TransportConfig config, LinkListener listener) {
    throw new UnsupportedOperationException("this test lower only binds");
  }
}
