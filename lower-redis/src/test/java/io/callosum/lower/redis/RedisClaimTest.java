package io.callosum.lower.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.redis.testing.RedisServer;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.lettuce.core.Consumer;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Claims of entries left unacknowledged for {@code claimIdle}: what is logged says whose they were
 * (this consumer's own, delivered again, or another consumer's, taken over), entries the stream was
 * trimmed past meanwhile are logged as lost (not as malformed), and claims that fail are logged at
 * WARN, once per ten seconds (they were logged at DEBUG only). Each test has a Redis server of its
 * own.
 */
class RedisClaimTest {
  private static final Duration CLAIM_IDLE = Duration.ofMillis(300);

  @RegisterExtension final Closer closer = new Closer();
  private final RedisTransport transport =
      new RedisTransport(
          RedisOptions.builder()
              .heartbeatInterval(Duration.ofMillis(500))
              .peerTimeout(Duration.ofSeconds(5))
              .idleTimeout(Duration.ofMillis(200))
              .claimIdle(CLAIM_IDLE)
              .build());

  @BeforeAll
  static void logs() {
    LogLines.install();
  }

  @Test
  public void ownEntriesAreDeliveredAgainAndOthersTakenOverAndTheLogSaysWhich() throws Exception {
    RedisServer redis = closer.later(RedisTests.ownRedis());
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    String key = "claims";
    RedisTests.group(raw, key, "g");
    long mark = LogLines.mark();

    // c takes the first item, then has no room: it reads nothing more until resumed
    CountingListener listener = new CountingListener(1);
    FanoutReceiver r =
        closer.later(
            RedisTests.receiver(transport, redis.address(key) + "?group=g&consumer=c", listener));
    RedisTests.item(raw, key, 0);
    Await.until("the first item", () -> listener.items.get() == 1);

    // three items read by a consumer that dies, two delivered to c by a read whose reply was lost
    for (int i = 1; i <= 5; i++) {
      RedisTests.item(raw, key, i);
    }
    read(raw, key, "dead", 3);
    read(raw, key, "c", 2);

    Await.until(
        "both claims logged",
        () -> claimLines(mark).size() == 2,
        () -> claimLines(mark).toString());
    List<String> lines = claimLines(mark);
    assertEquals(
        1,
        lines.stream()
            .filter(l -> l.contains("delivering again 2 entries of claims that this consumer (c)"))
            .count(),
        lines.toString());
    assertEquals(
        1,
        lines.stream()
            .filter(l -> l.contains("took over 3 entries of claims") && l.contains("{dead=3}"))
            .count(),
        lines.toString());

    r.resume();
    Await.until(
        "every item, once", () -> listener.items.get() == 6, () -> listener.items + " items");
    Await.until("nothing pending", () -> raw.redis().xpending(key, "g").getCount() == 0);
  }

  /**
   * Entries a dead consumer left pending that the stream was trimmed past before they were claimed:
   * Redis (7.0 on) leaves them out of the claim and drops them from the pending list; they are
   * logged as lost to the trim, not as malformed, and the others are taken over.
   */
  @Test
  public void entriesTrimmedAwayBeforeTheyAreClaimedAreLoggedAsLostNotMalformed() throws Exception {
    RedisServer redis = closer.later(RedisTests.ownRedis());
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    String key = "gone";
    RedisTests.group(raw, key, "g");
    for (int i = 0; i < 5; i++) {
      RedisTests.item(raw, key, i);
    }
    read(raw, key, "dead", 5);
    raw.redis().xtrim(key, 2);
    long mark = LogLines.mark();

    CountingListener listener = new CountingListener(Integer.MAX_VALUE);
    closer.later(
        RedisTests.receiver(transport, redis.address(key) + "?group=g&consumer=c", listener));

    Await.until("the two items left, taken over", () -> listener.items.get() == 2);
    Await.until(
        "nothing pending",
        () -> raw.redis().xpending(key, "g").getCount() == 0,
        () -> raw.redis().xpending(key, "g").getCount() + " pending");
    RedisTests.assertLostToTrimming(transport, mark, 3, key);
    assertEquals(0, listener.malformed.get(), "malformed");
  }

  @Test
  public void claimsThatFailAreLoggedAtWarnOncePerTenSeconds() throws Exception {
    RedisServer redis = closer.later(RedisTests.ownRedis());
    // a user that may read its group but not claim (an ACL that forgot the claims)
    redis.command(
        "ACL",
        "SETUSER",
        "noclaims",
        "on",
        ">pw",
        "~*",
        "&*",
        "+@all",
        "-xclaim",
        "-xpending",
        "-xautoclaim");
    String key = "denied";
    long mark = LogLines.mark();
    closer.later(
        RedisTests.receiver(
            transport,
            "redis://noclaims:pw@127.0.0.1:" + redis.port() + "/" + key + "?group=g",
            new CountingListener(Integer.MAX_VALUE)));

    Await.until("a claim failure logged at WARN", () -> warnings(mark).size() == 1);
    // the claims go on failing, every claimIdle / 2: no second line within ten seconds
    Await.holds("one line", () -> warnings(mark).size() == 1, CLAIM_IDLE.multipliedBy(4));
  }

  private static List<String> claimLines(long mark) {
    return LogLines.since(
        mark, l -> l.contains(" INFO ") && (l.contains("took over") || l.contains("again")));
  }

  private static List<String> warnings(long mark) {
    return LogLines.since(mark, l -> l.contains(" WARN ") && l.contains("could not claim"));
  }

  /** {@code consumer} of group g reads {@code n} new entries and never acknowledges them. */
  @SuppressWarnings("unchecked") // Lettuce's varargs of a generic type
  private static void read(RawRedis raw, String key, String consumer, int n) {
    int got =
        raw.redis()
            .xreadgroup(
                Consumer.from("g", consumer),
                XReadArgs.Builder.count(n),
                StreamOffset.lastConsumed(key))
            .size();
    assertEquals(n, got);
  }
}
