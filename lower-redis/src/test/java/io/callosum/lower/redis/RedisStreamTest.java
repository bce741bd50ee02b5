package io.callosum.lower.redis;

import io.callosum.lower.Transport;
import io.callosum.lower.redis.testing.RedisServer;
import io.callosum.testing.StreamSuite;
import org.junit.jupiter.api.BeforeAll;

/** Streams inside calls, chunked messages and named pipes over the Redis lower. */
class RedisStreamTest extends StreamSuite {
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
    return redis.freshAddress("stream");
  }
}
