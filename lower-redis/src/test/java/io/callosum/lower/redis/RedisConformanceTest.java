package io.callosum.lower.redis;

import io.callosum.lower.Transport;
import io.callosum.lower.redis.testing.RedisServer;
import io.callosum.testing.ConformanceSuite;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance suite over the Redis lower, against a real redis-server on a loopback ephemeral
 * port (skipped, saying how to install it, without one). Every test binds a fresh stream key.
 */
class RedisConformanceTest extends ConformanceSuite {
  private static final RedisTransport TRANSPORT = new RedisTransport(RedisTests.options());
  private static RedisServer redis;

  @BeforeAll
  static void redis() {
    redis = RedisTests.redis();
  }

  @Override
  protected Transport transport() {
    return TRANSPORT;
  }

  @Override
  protected String bindAddress() {
    return redis.freshAddress("conformance");
  }

  /** Each cycle makes two Redis connections and a handshake through the broker. */
  @Override
  protected int openCloseCycles() {
    return 200;
  }
}
