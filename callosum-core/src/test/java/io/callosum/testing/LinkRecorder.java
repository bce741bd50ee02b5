package io.callosum.testing;

import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.LinkListener;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link LinkListener} that records the events a lower reports, for tests below the peer
 * protocol.
 */
public class LinkRecorder implements LinkListener {
  /** "connected", "received", "disconnected", in the order reported. */
  public final List<String> events = new CopyOnWriteArrayList<>();

  /** Every link reported connected. */
  public final ConcurrentLinkedQueue<Link> links = new ConcurrentLinkedQueue<>();

  /** The first link reported connected. */
  public final CompletableFuture<Link> first = new CompletableFuture<>();

  /** Every envelope received, in order. */
  public final List<Envelope> envelopes = new CopyOnWriteArrayList<>();

  @Override
  public void connected(Link l) {
    events.add("connected");
    links.add(l);
    first.complete(l);
  }

  @Override
  public void received(Link l, Envelope e) {
    events.add("received");
    envelopes.add(e);
  }

  @Override
  public void disconnected(Link l, Throwable cause) {
    events.add("disconnected");
  }
}
