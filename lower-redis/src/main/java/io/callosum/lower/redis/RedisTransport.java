package io.callosum.lower.redis;

import io.callosum.lower.Endpoint;
import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutListener;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.FanoutSender;
import io.callosum.lower.LinkListener;
import io.callosum.lower.Transport;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.redis.internal.BoundEndpoint;
import io.callosum.lower.redis.internal.ClientThreads;
import io.callosum.lower.redis.internal.ConnectingEndpoint;
import io.callosum.lower.redis.internal.Drops;
import io.callosum.lower.redis.internal.RedisAddress;
import io.callosum.lower.redis.internal.Session;
import io.callosum.lower.redis.internal.StreamFanoutReceiver;
import io.callosum.lower.redis.internal.StreamFanoutSender;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Redis lower: peers meet on Redis Streams instead of connecting to each other, wire-compatible
 * with Python Callosum's Redis lowers. Addresses: {@code
 * redis://[USER:PASSWORD@]HOST[:PORT]/STREAM_KEY[?group=NAME&consumer=NAME]}, {@code rediss://} for
 * TLS. A bound peer reads {@code STREAM_KEY.bind}; a connecting peer writes there and reads a
 * stream of its own (Python Callosum's {@code STREAM_KEY.conn} when the bound peer is Python).
 * Broadcasts and pipelines use the stream {@code STREAM_KEY} itself, with a consumer group per
 * subscriber or one shared by the workers. Calls wait in Redis while no bound peer reads them.
 *
 * <p>All endpoints of one transport share its Redis client threads (made with the first endpoint,
 * ended {@link RedisOptions#idleTimeout()} after the last); each endpoint has two Redis connections
 * of its own and runs its work in order on one of those threads, its connections' I/O on another;
 * the endpoints take the threads in turn. Peers that find this lower by their address scheme share
 * one default instance. Thread-safe. See {@code lower-redis/README.md}.
 */
public final class RedisTransport implements Transport {
  private final RedisOptions options;
  private final ClientThreads threads;
  private final Drops drops = new Drops();

  /** A transport with {@link RedisOptions#defaults()}. */
  public RedisTransport() {
    this(RedisOptions.defaults());
  }

  public RedisTransport(RedisOptions options) {
    this.options = Objects.requireNonNull(options);
    this.threads = new ClientThreads(options.ioThreads(), options.idleTimeout());
  }

  @Override
  public Set<String> schemes() {
    return Set.of("redis", "rediss");
  }

  @Override
  public Endpoint bind(URI address, TransportConfig config, LinkListener listener)
      throws IOException {
    Session s = open(RedisAddress.parse(address), config.connectTimeout());
    return BoundEndpoint.bind(s, config, listener, drops, releaser(s));
  }

  @Override
  public Endpoint connect(URI address, TransportConfig config, LinkListener listener)
      throws IOException {
    Session s = open(RedisAddress.parse(address), config.connectTimeout());
    return ConnectingEndpoint.connect(s, config, listener, drops, releaser(s));
  }

  @Override
  public boolean supports(FanoutPattern pattern) {
    return true;
  }

  /**
   * Appends items to the stream {@code STREAM_KEY}; bound or connected makes no difference (both
   * sides meet on the stream). A broadcast trims the stream to about the queue capacity (a reader
   * further behind loses what was trimmed); a pipeline refuses items while its workers' group has
   * that many not yet delivered.
   */
  @Override
  public FanoutSender openSender(URI address, FanoutConfig config, Runnable writable)
      throws IOException {
    Session s = open(RedisAddress.parse(address), Duration.ofSeconds(10));
    return StreamFanoutSender.open(s, config, writable, releaser(s));
  }

  /**
   * Reads the stream {@code STREAM_KEY}: a broadcast receiver in a group of its own (the address's
   * group if it names one, which then lasts beyond the receiver), a pipeline worker in the shared
   * group ({@code callosum} unless the address names one).
   */
  @Override
  public FanoutReceiver openReceiver(
      URI address, FanoutConfig config, List<String> topicPrefixes, FanoutListener listener)
      throws IOException {
    Session s = open(RedisAddress.parse(address), Duration.ofSeconds(10));
    return StreamFanoutReceiver.open(s, config, topicPrefixes, listener, drops, releaser(s));
  }

  /** How many endpoints (peers, senders, receivers) of this transport are open now. */
  public int openEndpoints() {
    return threads.users();
  }

  /**
   * How many entries this transport's endpoints dropped as malformed (no header or body, an
   * oversize message, a bad peer id, an unknown marker, ...). Each is also logged, at most one line
   * every ten seconds after the first twenty. Pending entries the stream was trimmed past before
   * they were read again or claimed are not counted here: they are logged as lost to trimming.
   */
  public long droppedEntries() {
    return drops.total();
  }

  private Session open(RedisAddress address, Duration timeout) throws IOException {
    ClientThreads.Lease lease = threads.acquire();
    try {
      return Session.open(lease, address, options, timeout);
    } catch (IOException | RuntimeException e) {
      threads.release(lease);
      throw e;
    }
  }

  /** Releases the session's share of the threads once, whichever way its endpoint ends. */
  private Runnable releaser(Session s) {
    AtomicBoolean done = new AtomicBoolean();
    return () -> {
      if (done.compareAndSet(false, true)) {
        threads.release(s.lease());
      }
    };
  }
}
