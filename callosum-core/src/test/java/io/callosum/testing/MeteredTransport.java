package io.callosum.testing;

import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.LinkListener;
import io.callosum.lower.Transport;
import io.callosum.lower.TransportConfig;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A lower wrapped to count, for the envelopes a predicate selects, the bytes handed to the lower
 * and the bytes it delivered to a peer: their difference is what is queued in the lower (its queues
 * and socket buffers) at a moment. Peers on both ends use the same instance.
 */
public final class MeteredTransport implements Transport {
  private final Transport lower;
  private final Predicate<Envelope> counted;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();

  public MeteredTransport(Transport lower, Predicate<Envelope> counted) {
    this.lower = lower;
    this.counted = counted;
  }

  /** Counted bytes handed to the lower and not yet delivered. */
  public long inFlight() {
    return sent.get() - delivered.get();
  }

  public long sent() {
    return sent.get();
  }

  @Override
  public Set<String> schemes() {
    return lower.schemes();
  }

  @Override
  public Endpoint bind(URI address, TransportConfig config, LinkListener listener)
      throws IOException {
    return lower.bind(address, config, wrap(listener));
  }

  @Override
  public Endpoint connect(URI address, TransportConfig config, LinkListener listener)
      throws IOException {
    return lower.connect(address, config, wrap(listener));
  }

  private LinkListener wrap(LinkListener core) {
    return new LinkListener() {
      private final Map<Link, Link> wrapped = new ConcurrentHashMap<>();

      private Link of(Link l) {
        return wrapped.computeIfAbsent(l, Metered::new);
      }

      @Override
      public void connected(Link link) {
        core.connected(of(link));
      }

      @Override
      public void received(Link link, Envelope envelope) {
        if (counted.test(envelope)) {
          delivered.addAndGet(envelope.size());
        }
        core.received(of(link), envelope);
      }

      @Override
      public void disconnected(Link link, Throwable cause) {
        core.disconnected(of(link), cause);
        wrapped.remove(link);
      }
    };
  }

  private final class Metered implements Link {
    private final Link link;

    Metered(Link link) {
      this.link = link;
    }

    @Override
    public String id() {
      return link.id();
    }

    @Override
    public Capabilities remoteCapabilities() {
      return link.remoteCapabilities();
    }

    @Override
    public Optional<String> identity() {
      return link.identity();
    }

    @Override
    public void send(Envelope envelope) {
      if (counted.test(envelope)) {
        sent.addAndGet(envelope.size());
      }
      link.send(envelope);
    }

    @Override
    public void close() {
      link.close();
    }
  }
}
