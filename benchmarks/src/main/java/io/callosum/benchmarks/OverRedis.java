package io.callosum.benchmarks;

import io.callosum.lower.redis.testing.RedisServer;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The {@code callosum-redis} contenders: Callosum over the Redis lower, its peers meeting on the
 * streams of a {@code redis-server} of this machine started for the contender (loopback, ephemeral
 * port, as P5's {@code redis} contender's), which counts as one of its serving processes. Skipped
 * when {@code redis-server} is not installed.
 */
final class OverRedis implements Contender {
  private final Contender inner;
  private final RedisServer redis;

  private OverRedis(Contender inner, RedisServer redis) {
    this.inner = inner;
    this.redis = redis;
  }

  /** P1/P2: Callosum's echo, the server in its own worker JVM. */
  static Contender echo(Bench.Options o, String name) throws Exception {
    RedisServer redis = start();
    try {
      return new OverRedis(
          CallosumEcho.open(name, o.host(), redis.freshAddress("bench-echo"), false), redis);
    } catch (Exception | Error e) {
      redis.close();
      throw e;
    }
  }

  /** P5: Callosum's broadcast, one consumer group per subscriber. */
  static Contender fanout(Bench.Options o, String name) throws Exception {
    RedisServer redis = start();
    try {
      return new OverRedis(
          new Fanout.Callosum(name, o.host(), redis.freshAddress("bench-fanout")), redis);
    } catch (Exception | Error e) {
      redis.close();
      throw e;
    }
  }

  private static RedisServer start() throws Skipped {
    if (!RedisServer.installed()) {
      throw new Skipped(RedisServer.INSTALL);
    }
    return RedisServer.start();
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public long throughput(int inFlight, long durationNanos) throws Exception {
    return inner.throughput(inFlight, durationNanos);
  }

  @Override
  public void latency(Histogram histogram, long durationNanos) throws Exception {
    inner.latency(histogram, durationNanos);
  }

  @Override
  public void measure(Measurement m) throws Exception {
    inner.measure(m);
  }

  /** The contender's serving processes and the broker, whose CPU time counts too. */
  @Override
  public List<Server> servers() {
    List<Server> all = new ArrayList<>(inner.servers());
    all.add(new Broker(redis));
    return all;
  }

  @Override
  public void close() {
    try {
      inner.close();
    } finally {
      redis.close();
    }
  }
}
