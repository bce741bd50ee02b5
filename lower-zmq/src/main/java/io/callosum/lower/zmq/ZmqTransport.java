package io.callosum.lower.zmq;

import io.callosum.lower.Endpoint;
import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutListener;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.FanoutSender;
import io.callosum.lower.LinkListener;
import io.callosum.lower.MemoryBudget;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.links.LinkFanoutTransport;
import io.callosum.lower.zmq.internal.DealerEndpoint;
import io.callosum.lower.zmq.internal.RouterEndpoint;
import io.callosum.lower.zmq.internal.SharedContext;
import io.callosum.lower.zmq.internal.SharedSubscribers;
import io.callosum.lower.zmq.internal.ZmqFanoutReceiver;
import io.callosum.lower.zmq.internal.ZmqFanoutSender;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The ZeroMQ lower, wire-compatible with Python Callosum: a bound peer is a ROUTER, a connecting
 * peer a DEALER, and messages are Python Callosum's frames ({@code UPPER}/{@code PING}/{@code
 * PONG}, header, body). Addresses: {@code zmq+tcp://host:port} (port 0 binds an ephemeral port),
 * {@code zmq+ipc://path}, {@code zmq+inproc://name}.
 *
 * <p>One transport object owns one ZeroMQ context, shared by all peers built with it and ended
 * {@link ZmqOptions#idleTimeout()} after the last of them closes (a peer opened meanwhile reuses
 * it, without new threads). Peers that find this lower by their address scheme share one default
 * instance. All sockets of the transport are served by {@link ZmqOptions#ioThreads()} I/O loop
 * threads (one by default), which alone touch them. Thread-safe.
 */
public final class ZmqTransport extends LinkFanoutTransport {
  private final ZmqOptions options;
  private final SharedContext context;
  private final SharedSubscribers subscribers;

  /** A transport with {@link ZmqOptions#defaults()}. */
  public ZmqTransport() {
    this(ZmqOptions.defaults());
  }

  public ZmqTransport(ZmqOptions options) {
    this.options = Objects.requireNonNull(options);
    this.context = new SharedContext(options);
    this.subscribers = new SharedSubscribers(context, options);
  }

  @Override
  public Set<String> schemes() {
    return Set.of("zmq+tcp", "zmq+ipc", "zmq+inproc");
  }

  @Override
  public Endpoint bind(URI address, TransportConfig config, LinkListener listener)
      throws IOException {
    checkScheme(address);
    return RouterEndpoint.bind(context, address, config, listener, options);
  }

  @Override
  public Endpoint connect(URI address, TransportConfig config, LinkListener listener)
      throws IOException {
    checkScheme(address);
    return DealerEndpoint.connect(context, address, config, listener, options);
  }

  /**
   * A PUB (broadcast) or PUSH (pipeline) socket, with ZeroMQ's high-water marks as queues; with
   * CURVE, a sender over this transport's links with credit (see {@link #encrypted}).
   */
  @Override
  public FanoutSender openSender(URI address, FanoutConfig config, Runnable writable)
      throws IOException {
    checkScheme(address);
    if (encrypted(config)) {
      return super.openSender(address, config, writable);
    }
    return ZmqFanoutSender.create(context, address, config, options, writable);
  }

  /**
   * A SUB (broadcast) or PULL (pipeline) socket; with CURVE, a receiver over this transport's
   * links. Connecting broadcast receivers of this transport to one address share one SUB socket (an
   * item crosses once for all of them), as they share one link with CURVE.
   */
  @Override
  public FanoutReceiver openReceiver(
      URI address, FanoutConfig config, List<String> topicPrefixes, FanoutListener listener)
      throws IOException {
    checkScheme(address);
    if (encrypted(config)) {
      return super.openReceiver(address, config, topicPrefixes, listener);
    }
    if (config.pattern() == FanoutPattern.BROADCAST && !config.bind()) {
      return subscribers.open(address, config, topicPrefixes, listener);
    }
    return ZmqFanoutReceiver.create(context, address, config, options, topicPrefixes, listener);
  }

  /**
   * Whether a fan-out endpoint is CURVE-encrypted: a bound one with {@link
   * ZmqOptions#curveServer()}, a connecting one with {@link ZmqOptions#curveClient()}. Encrypted
   * fan-out does not use PUB/SUB and PUSH/PULL sockets but runs over this transport's (CURVE)
   * DEALER/ROUTER links with credit-based flow control: jeromq 0.6.0 hands a socket a message still
   * encrypted whenever a CURVE receive pipe was full (its stream engine pushes the decoder's
   * original message instead of the decrypted one once room returns), and fan-out receivers fill
   * their pipes by design when their consumer is slow. Credit keeps every pipe below its high-water
   * mark instead ({@link #linkCredit}). Both ends of a fan-out must be encrypted or both plain, as
   * for calls.
   */
  private boolean encrypted(FanoutConfig config) {
    return config.bind() ? options.curveServer() != null : options.curveClient() != null;
  }

  /**
   * The most fan-out items in flight on one encrypted link: half the high-water mark of its
   * endpoint ({@link #fanoutHighWaterMark}), so that neither the ROUTER's queue for a remote (which
   * cuts off a remote at the mark) nor a receiving socket's pipe ever fills with them; at least the
   * queue capacity, which a receiver grants at first, as over PUB/SUB.
   */
  @Override
  protected long linkCredit(FanoutConfig fanout) {
    return Math.max(1, fanoutHighWaterMark(fanout) / 2);
  }

  /**
   * The ROUTER or DEALER of an encrypted fan-out endpoint, with a high-water mark that fits twice
   * {@code fanout}'s queue capacity ({@link #fanoutHighWaterMark}).
   */
  @Override
  protected Endpoint openFanoutEndpoint(
      URI address, TransportConfig config, LinkListener listener, FanoutConfig fanout)
      throws IOException {
    checkScheme(address);
    ZmqOptions o = options.withHighWaterMark(fanoutHighWaterMark(fanout));
    return fanout.bind()
        ? RouterEndpoint.bind(context, address, config, listener, o)
        : DealerEndpoint.connect(context, address, config, listener, o);
  }

  /**
   * The high-water mark of an encrypted fan-out endpoint: this transport's, or twice the queue
   * capacity if that is more (as a plain PUB's send mark is), so that a burst of a queue's worth of
   * items is in flight at once rather than dropped for want of credit.
   */
  private int fanoutHighWaterMark(FanoutConfig fanout) {
    return (int)
        Math.min(Integer.MAX_VALUE, Math.max(options.highWaterMark(), 2L * fanout.queueCapacity()));
  }

  /** Refuses an address this transport does not serve before any resource is taken for it. */
  private void checkScheme(URI address) {
    if (!schemes().contains(address.getScheme())) {
      throw new IllegalArgumentException(
          "not a ZeroMQ address (zmq+tcp://, zmq+ipc://, zmq+inproc://): " + address);
    }
  }

  /**
   * How many messages this transport's bound CURVE peers dropped because their connection carried
   * no user id from the ZAP handler: a client that named its own {@code User-Id} in its handshake
   * (jeromq 0.6.0 would otherwise let it choose its identity), or a connection that skipped
   * authentication. Each such drop is also logged (at most one line every 10 s per peer).
   */
  public long unverifiedDrops() {
    return context.unverifiedDrops();
  }

  /**
   * What the remotes of this transport make it hold, against {@link ZmqOptions#memoryBudget()}:
   * what the lower queues for each remote and what the core holds for it (jeromq's own pipes are
   * not counted). Its counts ({@link MemoryBudget#held()}, {@link MemoryBudget#peak()}) are for
   * monitoring and tests. Any thread.
   */
  public MemoryBudget memoryBudget() {
    return context.memory();
  }

  /**
   * How many endpoints use this transport's ZeroMQ context now (0: the context ends within {@link
   * ZmqOptions#idleTimeout()}).
   */
  public int openEndpoints() {
    return context.users();
  }
}
