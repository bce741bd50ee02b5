package io.callosum.lower.redis;

import io.callosum.lower.Transport;
import io.callosum.lower.redis.testing.RedisServer;
import io.callosum.testing.LeakSuite;
import org.junit.jupiter.api.BeforeAll;

/**
 * The leak cycles over the Redis lower, on one transport: its open endpoints ({@link
 * RedisTransport#openEndpoints}) must go back to what the peers living through the cycles hold.
 */
class RedisLeakTest extends LeakSuite {
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
    return redis.freshAddress("leak");
  }

  @Override
  protected int lowerEntries() {
    return transport.openEndpoints();
  }
}
