package io.callosum.lower.redis;

import java.time.Duration;

/** Options for tests: quick to notice, quick to hand over, same bounds otherwise. */
final class RedisTests {
  private RedisTests() {}

  static RedisOptions options() {
    return RedisOptions.builder()
        .heartbeatInterval(Duration.ofMillis(500))
        .peerTimeout(Duration.ofSeconds(5))
        .helloTimeout(Duration.ofMillis(500))
        .idleTimeout(Duration.ofMillis(200))
        .build();
  }
}
