package io.callosum.lower.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutListener;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.redis.testing.RedisServer;
import io.callosum.testing.Await;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * For the Redis tests: options quick to notice and to hand over (same bounds otherwise), the test
 * Redis server (the test is skipped, saying how to install one, when there is none), stream keys,
 * groups, what is logged of entries lost to trimming ({@link LogLines}).
 */
final class RedisTests {
  private RedisTests() {}

  /** The shared test server; skips the calling test without {@code redis-server}. */
  static RedisServer redis() {
    Assumptions.assumeTrue(RedisServer.installed(), RedisServer.INSTALL);
    return RedisServer.shared();
  }

  /** A server of the calling test's own (to stop and restart), with extra arguments. */
  static RedisServer ownRedis(String... args) {
    Assumptions.assumeTrue(RedisServer.installed(), RedisServer.INSTALL);
    return RedisServer.start(args);
  }

  /** A TLS-only server of the calling test's own, with a fresh self-signed certificate. */
  static RedisServer ownTlsRedis(String... args) {
    Assumptions.assumeTrue(RedisServer.installed(), RedisServer.INSTALL);
    return RedisServer.startTls(args);
  }

  /** The stream key of a {@code redis://} address. */
  static String keyOf(String address) {
    String path = address.substring(address.lastIndexOf('/') + 1);
    int q = path.indexOf('?');
    return q < 0 ? path : path.substring(0, q);
  }

  static RedisOptions options() {
    return RedisOptions.builder()
        .heartbeatInterval(Duration.ofMillis(500))
        .peerTimeout(Duration.ofSeconds(5))
        .helloTimeout(Duration.ofMillis(500))
        .idleTimeout(Duration.ofMillis(200))
        .build();
  }

  /** A broadcast receiver of {@code transport} at {@code address}. */
  static FanoutReceiver receiver(RedisTransport transport, String address, FanoutListener listener)
      throws IOException {
    return transport.openReceiver(
        URI.create(address),
        new FanoutConfig(FanoutPattern.BROADCAST, false, 1000, 1 << 20),
        List.of(),
        listener);
  }

  /** Group {@code group} at the end of a new stream, as a broadcast receiver naming it makes it. */
  static void group(RawRedis raw, String key, String group) {
    raw.redis().xgroupCreate(StreamOffset.latest(key), group, XGroupCreateArgs.Builder.mkstream());
  }

  /**
   * What a reader of {@code transport} that found {@code n} pending entries of {@code stream}
   * trimmed away logs since {@code mark}: one WARN line saying so, and nothing dropped as
   * malformed.
   */
  static void assertLostToTrimming(RedisTransport transport, long mark, int n, String stream) {
    assertEquals(0, transport.droppedEntries(), "dropped as malformed");
    assertEquals(
        List.of(),
        LogLines.since(mark, l -> l.contains("dropped an entry") || l.contains("malformed")));
    Await.until("the loss logged", () -> trimLines(mark).size() == 1, () -> trimLines(mark) + "");
    String line = trimLines(mark).get(0);
    assertTrue(line.contains(" " + n + " entries of " + stream + " "), line);
  }

  private static List<String> trimLines(long mark) {
    return LogLines.since(mark, l -> l.contains(" WARN ") && l.contains("trimmed from the stream"));
  }

  /** Item {@code n} as a broadcaster appends it to {@code key}. */
  static void item(RawRedis raw, String key, int n) {
    raw.add(key, "hdr", "h" + n, "msg", "m" + n, "topic", "t");
  }
}
