package io.callosum.benchmarks;

import io.callosum.lower.redis.testing.RedisServer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * A redis-server process as a serving side of a contender: its CPU time counts with the contender's
 * workers; it is measured, never commanded, and closed with its contender.
 */
record Broker(RedisServer redis) implements Server {
  @Override
  public List<String> ready() {
    return List.of("redis://127.0.0.1:" + redis.port());
  }

  @Override
  public String request(String command, Duration timeout) throws IOException {
    throw new IOException("redis-server takes no worker commands: " + command);
  }

  @Override
  public OptionalLong pid() {
    return OptionalLong.of(redis.pid());
  }

  @Override
  public String label() {
    return "redis-server";
  }

  @Override
  public void close() {
    // closed with its contender
  }
}
