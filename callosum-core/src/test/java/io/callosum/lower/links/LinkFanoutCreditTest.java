package io.callosum.lower.links;

import io.callosum.OverloadedException;
import io.callosum.inproc.InProcessTransport;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutSender;
import io.callosum.lower.Link;
import io.callosum.lower.LinkListener;
import io.callosum.lower.TransportConfig;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A send that a lower refuses for a moment (OverloadedException: its connection's send backlog is
 * full, e.g. because of another channel of the same TCP connection) must not consume the receiver's
 * credit: the receiver never saw the item, so it never gives that credit back, and after half its
 * window of refusals it is starved for good while its link stays up.
 */
class LinkFanoutCreditTest {
  private static final int WINDOW = 8;
  @RegisterExtension final Closer closer = new Closer();

  /** Links of the bound side refuse their first {@code refusals} items. */
  static final class Refusing extends LinkFanoutTransport {
    final InProcessTransport lower = new InProcessTransport();
    final AtomicInteger refusals;

    Refusing(int refusals) {
      this.refusals = new AtomicInteger(refusals);
    }

    @Override
    public Set<String> schemes() {
      return lower.schemes();
    }

    @Override
    public Endpoint bind(URI address, TransportConfig config, LinkListener listener)
        throws IOException {
      Map<Link, Link> wrapped = new ConcurrentHashMap<>();
      return lower.bind(
          address,
          config,
          new LinkListener() {
            Link wrap(Link l) {
              return wrapped.computeIfAbsent(
                  l,
                  x ->
                      new Link() {
                        @Override
                        public String id() {
                          return x.id();
                        }

                        @Override
                        public Capabilities remoteCapabilities() {
                          return x.remoteCapabilities();
                        }

                        @Override
                        public Optional<String> identity() {
                          return x.identity();
                        }

                        @Override
                        public void send(Envelope e) {
                          if (e.header().length > 0
                              && e.header()[0] == LinkFanout.ITEM
                              && refusals.getAndDecrement() > 0) {
                            throw new OverloadedException("send backlog full (test)");
                          }
                          x.send(e);
                        }

                        @Override
                        public void close() {
                          x.close();
                        }
                      });
            }

            @Override
            public void connected(Link link) {
              listener.connected(wrap(link));
            }

            @Override
            public void received(Link link, Envelope envelope) {
              listener.received(wrap(link), envelope);
            }

            @Override
            public void disconnected(Link link, Throwable cause) {
              listener.disconnected(wrap(link), cause);
            }
          });
    }

    @Override
    public Endpoint connect(URI address, TransportConfig config, LinkListener listener)
        throws IOException {
      return lower.connect(address, config, listener);
    }
  }

  @Test
  void refusedSendsDoNotLeakTheReceiversCredit() throws Exception {
    Refusing t = new Refusing(WINDOW / 2 + 1);
    URI address = URI.create("inproc://link-fanout-credit");
    FanoutSender sender =
        closer.later(
            t.openSender(
                address, new FanoutConfig(FanoutPattern.PIPELINE, true, WINDOW, 1024), () -> {}));
    AtomicInteger received = new AtomicInteger();
    closer.later(
        t.openReceiver(
            address,
            new FanoutConfig(FanoutPattern.PIPELINE, false, WINDOW, 1024),
            List.of(),
            item -> {
              received.incrementAndGet();
              return true;
            }));
    AtomicInteger offered = new AtomicInteger();
    // Items the lower refuses are lost (at most once); those offered after the refusals must flow.
    Await.until(
        "items flow again after " + (WINDOW / 2 + 1) + " refused sends",
        () -> {
          if (sender.offer(new FanoutItem(new byte[0], new byte[0], new byte[] {1}))) {
            offered.incrementAndGet();
          }
          return received.get() >= 4 * WINDOW;
        },
        () -> "offered " + offered + ", received " + received);
  }
}
