package io.callosum.lower.redis;

import io.callosum.lower.Transport;
import io.callosum.lower.redis.testing.RedisServer;
import io.callosum.testing.FanoutSuite;
import org.junit.jupiter.api.BeforeAll;

/**
 * Broadcast (a consumer group per subscriber) and pipelines (one group shared by the workers) over
 * the Redis lower, with the same queue policy as every lower.
 */
class RedisFanoutTest extends FanoutSuite {
  private final RedisTransport transport = new RedisTransport(RedisTests.options());
  private static RedisServer redis;

  @BeforeAll
  static void redis() {
    redis = RedisTests.redis();
  }

  @Override
  protected Transport transport() {
    return transport;
  }

  @Override
  protected String bindAddress() {
    return redis.freshAddress("fanout");
  }
}
