package io.callosum.lower.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.redis.testing.RedisServer;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.lettuce.core.Consumer;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How a reader acknowledges what it read: one {@code XACK} per read batch, not one per entry (one
 * per entry made a 16-receiver fan-out of 100,000 items queue 1.6 million commands, which fell
 * behind Lettuce's command timeout and left every later round stalled), and on through its own
 * pending entries that the stream was trimmed past, also when the core has no room meanwhile. Each
 * test has a Redis server of its own, for its command counts.
 */
class RedisAcknowledgeTest {
  private static final int READ_COUNT = 64; // RedisOptions' default readCount
  private static final Pattern XACK_CALLS = Pattern.compile("cmdstat_xack:calls=(\\d+)");

  @RegisterExtension final Closer closer = new Closer();
  private final RedisTransport transport = new RedisTransport(RedisTests.options());

  @Test
  public void aReadBatchIsAcknowledgedWithOneXack() throws Exception {
    RedisServer redis = closer.later(RedisTests.ownRedis());
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    String key = "acks";
    int items = 10 * READ_COUNT;
    group(raw, key, "g");
    for (int i = 0; i < items; i++) {
      RedisTests.item(raw, key, i);
    }
    redis.command("CONFIG", "RESETSTAT");

    CountingListener listener = new CountingListener(Integer.MAX_VALUE);
    closer.later(RedisTests.receiver(transport, redis.address(key) + "?group=g", listener));

    Await.until("every item delivered", () -> listener.items.get() == items);
    Await.until(
        "every entry acknowledged",
        () -> pending(raw, key, "g") == 0,
        () -> pending(raw, key, "g") + " pending");
    // 10 full batches and the receiver's own create-or-join marker: one XACK each, not 641
    long calls = xackCalls(redis);
    assertTrue(calls <= items / READ_COUNT + 1, calls + " XACKs for " + items + " items");
  }

  @Test
  public void ownPendingEntriesTrimmedAwayAreDroppedAndTheReaderGoesOn() throws Exception {
    RedisServer redis = closer.later(RedisTests.ownRedis());
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    String key = "trimmed";
    group(raw, key, "g");
    for (int i = 0; i < 100; i++) {
      RedisTests.item(raw, key, i);
    }
    // consumer c read 100 items and died before acknowledging; the stream is trimmed past 60
    raw.redis()
        .xreadgroup(
            Consumer.from("g", "c"), XReadArgs.Builder.count(100), StreamOffset.lastConsumed(key));
    raw.redis().xtrim(key, 40);
    for (int i = 100; i < 300; i++) {
      RedisTests.item(raw, key, i);
    }

    // c comes back; the core has no room after the first item it is handed, until resumed
    CountingListener listener = new CountingListener(1);
    FanoutReceiver r =
        closer.later(
            RedisTests.receiver(transport, redis.address(key) + "?group=g&consumer=c", listener));
    Await.until("the first item", () -> listener.items.get() == 1);
    r.resume();

    Await.until(
        "the 40 pending items left and the 200 new ones",
        () -> listener.items.get() == 240,
        () -> listener.items.get() + " items, " + listener.malformed.get() + " malformed");
    assertEquals(60, listener.malformed.get(), "the pending entries trimmed away");
    assertEquals(60, transport.droppedEntries());
    Await.until(
        "every entry acknowledged",
        () -> pending(raw, key, "g") == 0,
        () -> pending(raw, key, "g") + " pending");

    for (int i = 300; i < 310; i++) {
      RedisTests.item(raw, key, i);
    }
    Await.until("every later item", () -> listener.items.get() == 250);
    Await.until("and acknowledged", () -> pending(raw, key, "g") == 0);
  }

  /** The group at the end of a new stream, as a broadcast receiver naming it makes it. */
  private static void group(RawRedis raw, String key, String group) {
    raw.redis().xgroupCreate(StreamOffset.latest(key), group, XGroupCreateArgs.Builder.mkstream());
  }

  private static long pending(RawRedis raw, String key, String group) {
    return raw.redis().xpending(key, group).getCount();
  }

  private static long xackCalls(RedisServer redis) throws Exception {
    Matcher m = XACK_CALLS.matcher(redis.command("INFO", "commandstats"));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }
}
