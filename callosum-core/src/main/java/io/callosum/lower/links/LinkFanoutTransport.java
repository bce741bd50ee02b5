package io.callosum.lower.links;

import io.callosum.lower.Endpoint;
import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutListener;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.FanoutSender;
import io.callosum.lower.LinkListener;
import io.callosum.lower.Transport;
import io.callosum.lower.TransportConfig;
import java.io.IOException;
import java.net.URI;
import java.util.List;

/**
 * A lower that offers broadcast and pipelines over its own links: a lower that implements only
 * {@link Transport#bind}, {@link Transport#connect} and {@link Transport#schemes} extends this
 * class and has both patterns (the TCP lower does; the ZeroMQ lower does under CURVE). A sender and
 * its receivers are endpoints of the lower, items travel as envelopes on their links, and each
 * receiver grants its sender credit in items, so the queue policy is the one of every lower: a
 * broadcast item for a receiver without credit is dropped for it, a pipeline item waits in the
 * sender's queue until some receiver has credit.
 *
 * <p>The senders and receivers this class opens call the lower's {@link
 * io.callosum.lower.Link#send} and hear its {@link io.callosum.lower.LinkListener} events, on the
 * lower's threads; the opening methods are thread-safe as far as the lower's {@code bind} and
 * {@code connect} are.
 */
public abstract class LinkFanoutTransport implements Transport {
  /** For subclasses. */
  protected LinkFanoutTransport() {}

  /** Both patterns, over this lower's links. */
  @Override
  public boolean supports(FanoutPattern pattern) {
    return true;
  }

  /** A sender whose receivers are the links of an endpoint this lower binds or connects. */
  @Override
  public FanoutSender openSender(URI address, FanoutConfig config, Runnable writable)
      throws IOException {
    return LinkFanout.openSender(this, address, config, writable, linkCredit(config));
  }

  /**
   * A receiver on a link (or links, when bound) of an endpoint this lower binds or connects.
   * Broadcast receivers that connect share one endpoint per address ({@link
   * SharedBroadcastReceivers}): the sender sees one receiver subscribed to the union of their
   * topics, and each item is handed to every receiver of this process that wants it.
   */
  @Override
  public FanoutReceiver openReceiver(
      URI address, FanoutConfig config, List<String> topicPrefixes, FanoutListener listener)
      throws IOException {
    if (config.pattern() == FanoutPattern.BROADCAST && !config.bind()) {
      return sharedReceivers.open(
          this, address, config, topicPrefixes, listener, linkCredit(config));
    }
    return LinkFanout.openReceiver(
        this, address, config, topicPrefixes, listener, linkCredit(config));
  }

  /**
   * Broadcast receivers that connect to one address share one endpoint of this lower: an item
   * crosses the connection once per process, not once per receiver.
   */
  private final SharedBroadcastReceivers sharedReceivers = new SharedBroadcastReceivers();

  /** How many addresses this transport's connecting broadcast receivers share links to now. */
  protected final int sharedReceiverGroups() {
    return sharedReceivers.groups();
  }

  /**
   * The most items in flight on one link of a fan-out endpoint configured by {@code fanout},
   * whatever credit a receiver grants: a lower whose links can queue only so much per remote
   * (ZeroMQ's high-water mark) returns that bound. Default: no bound beyond the receivers' queue
   * capacities.
   */
  protected long linkCredit(FanoutConfig fanout) {
    return Long.MAX_VALUE;
  }

  /**
   * Binds ({@code fanout.bind()}) or connects the endpoint of a fan-out sender or receiver: a lower
   * that sizes an endpoint's queues for what {@code fanout} lets be in flight ({@link #linkCredit})
   * overrides it. Default: {@link #bind} or {@link #connect}. Called on the thread that opens the
   * sender or receiver.
   */
  protected Endpoint openFanoutEndpoint(
      URI address, TransportConfig config, LinkListener listener, FanoutConfig fanout)
      throws IOException {
    return fanout.bind() ? bind(address, config, listener) : connect(address, config, listener);
  }
}
