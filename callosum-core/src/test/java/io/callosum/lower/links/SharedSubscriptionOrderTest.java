package io.callosum.lower.links;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.Link;
import io.callosum.lower.LinkListener;
import io.callosum.lower.TransportConfig;
import io.callosum.testing.Await;
import io.callosum.testing.IdleEndpoint;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Broadcast receivers that share one link send their sender the union of their prefixes whenever a
 * member joins or leaves and when the link connects. Those come from different threads (the
 * application's, the lower's); the union a link gets last must be the latest one, or the sender
 * keeps prefixes that miss a member's and that member never gets an item (seen once as a {@code
 * FanoutSuite} receiver that "did not join in time" on a loaded machine).
 */
class SharedSubscriptionOrderTest {
  private static final URI ADDRESS = URI.create("captive://sender");
  private static final FanoutConfig CONFIG =
      new FanoutConfig(FanoutPattern.BROADCAST, false, 100, 1 << 16);

  /** A lower whose one connecting endpoint the test drives: it keeps the endpoint's listener. */
  private static final class Captive extends LinkFanoutTransport {
    volatile LinkListener listener;

    @Override
    public Set<String> schemes() {
      return Set.of("captive");
    }

    @Override
    public Endpoint bind(URI address, TransportConfig config, LinkListener l) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Endpoint connect(URI address, TransportConfig config, LinkListener l) {
      listener = l;
      return new IdleEndpoint(address);
    }
  }

  /**
   * The link to the sender: records the SUBSCRIBEs it is given, each once its send returns. Its
   * first send (the union of the link connecting, on the test's thread) runs {@code meanwhile} and
   * returns only once that thread has sent its own union or waits to.
   */
  private static final class Recording implements Link {
    final List<List<String>> subscriptions = new ArrayList<>();
    final AtomicReference<Thread> other = new AtomicReference<>();
    private final Runnable meanwhile;
    private boolean first = true;

    Recording(Runnable meanwhile) {
      this.meanwhile = meanwhile;
    }

    @Override
    public String id() {
      return "to-sender";
    }

    @Override
    public Capabilities remoteCapabilities() {
      return new Capabilities(Capabilities.VERSION, 1, Set.of("broadcast-sender"));
    }

    @Override
    public void send(Envelope envelope) {
      byte[] h = envelope.header();
      if (h[0] != LinkFanout.SUBSCRIBE) {
        return; // credit
      }
      boolean mine;
      synchronized (this) {
        mine = first;
        first = false;
      }
      if (mine) {
        Thread t = new Thread(meanwhile, "joining");
        other.set(t);
        t.start();
        Await.until(
            "the joining member has sent its union, or waits to",
            () -> sent() > 0 || t.getState() == Thread.State.BLOCKED);
      }
      synchronized (this) {
        subscriptions.add(prefixes(h));
      }
    }

    synchronized int sent() {
      return subscriptions.size();
    }

    @Override
    public void close() {}
  }

  private static List<String> prefixes(byte[] h) {
    List<String> out = new ArrayList<>();
    for (byte[] p : LinkFanout.prefixes(h)) {
      out.add(new String(p, StandardCharsets.UTF_8));
    }
    return out;
  }

  private static FanoutReceiver open(Captive t, String prefix) {
    try {
      return t.openReceiver(ADDRESS, CONFIG, List.of(prefix), item -> true);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aMemberJoiningWhileTheLinkConnects_isInTheLastUnionTheLinkGets() throws Exception {
    Captive t = new Captive();
    FanoutReceiver a = open(t, "a.");
    AtomicReference<FanoutReceiver> b = new AtomicReference<>();
    Recording link = new Recording(() -> b.set(open(t, "b.")));

    t.listener.connected(link); // the lower's thread: it reads the union {a.} before b joins
    link.other.get().join(Await.LIMIT.toMillis());

    assertTrue(b.get() != null, "b joined");
    List<List<String>> got;
    synchronized (link) {
      got = List.copyOf(link.subscriptions);
    }
    assertEquals(
        Set.of("a.", "b."), Set.copyOf(got.get(got.size() - 1)), "the last union, of " + got);
    b.get().close();
    a.close();
  }
}
