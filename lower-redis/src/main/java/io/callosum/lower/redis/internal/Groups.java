package io.callosum.lower.redis.internal;

import io.lettuce.core.Consumer;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Consumer groups of a stream: making one (at the stream's end, with {@code MKSTREAM}, as Python
 * Callosum does), reading {@code XINFO GROUPS} / {@code XINFO CONSUMERS}, telling whether anyone
 * reads a stream now, forgetting consumers that died holding nothing. Stateless.
 */
public final class Groups {
  private Groups() {}

  /** One consumer as {@code XINFO CONSUMERS} shows it. */
  public record ConsumerInfo(String name, long pending, long idleMillis) {}

  /** One group as {@code XINFO GROUPS} shows it ({@code lag} is -1 when Redis does not know). */
  public record GroupInfo(
      String name, long consumers, long pending, String lastDelivered, long lag) {}

  /** Creates {@code group} on {@code stream} if missing (at its end, making the stream). */
  public static CompletionStage<Void> create(
      RedisAsyncCommands<String, byte[]> redis, String stream, String group) {
    return redis
        .xgroupCreate(StreamOffset.latest(stream), group, XGroupCreateArgs.Builder.mkstream())
        .toCompletableFuture()
        .handle(
            (ok, e) -> {
              if (e != null && !String.valueOf(e.getMessage()).contains("BUSYGROUP")) {
                throw new CompletionException(e);
              }
              return null;
            });
  }

  /** The groups of {@code stream}; none when the stream does not exist. */
  public static CompletionStage<List<GroupInfo>> groups(
      RedisAsyncCommands<String, byte[]> redis, String stream) {
    return redis
        .xinfoGroups(stream)
        .toCompletableFuture()
        .handle(
            (raw, e) -> {
              if (e != null) {
                if (String.valueOf(e.getMessage()).contains("no such key")) {
                  return List.of();
                }
                throw new CompletionException(e);
              }
              List<GroupInfo> out = new ArrayList<>();
              for (Object g : raw) {
                Map<String, Object> m = pairs(g);
                out.add(
                    new GroupInfo(
                        text(m.get("name")),
                        number(m.get("consumers"), 0),
                        number(m.get("pending"), 0),
                        text(m.get("last-delivered-id")),
                        number(m.get("lag"), -1)));
              }
              return out;
            });
  }

  /** The consumers of {@code group} on {@code stream}. */
  public static CompletionStage<List<ConsumerInfo>> consumers(
      RedisAsyncCommands<String, byte[]> redis, String stream, String group) {
    return redis
        .xinfoConsumers(stream, group)
        .toCompletableFuture()
        .thenApply(
            raw -> {
              List<ConsumerInfo> out = new ArrayList<>();
              for (Object c : raw) {
                Map<String, Object> m = pairs(c);
                out.add(
                    new ConsumerInfo(
                        text(m.get("name")),
                        number(m.get("pending"), 0),
                        number(m.get("idle"), Long.MAX_VALUE)));
              }
              return out;
            });
  }

  /**
   * Deletes the consumers of {@code group} other than {@code self} that hold nothing and have been
   * idle longer than {@code idleMillis}: readers that died and whose entries were claimed.
   * Completes when done, failed if a command failed (the next round tries again).
   */
  public static CompletionStage<Void> forgetIdle(
      RedisAsyncCommands<String, byte[]> redis,
      String stream,
      String group,
      String self,
      long idleMillis) {
    return consumers(redis, stream, group)
        .thenCompose(
            cs -> {
              List<CompletableFuture<Long>> deleted = new ArrayList<>();
              for (ConsumerInfo c : cs) {
                if (!c.name().equals(self) && c.pending() == 0 && c.idleMillis() > idleMillis) {
                  deleted.add(
                      redis
                          .xgroupDelconsumer(stream, Consumer.from(group, c.name()))
                          .toCompletableFuture());
                }
              }
              return CompletableFuture.allOf(deleted.toArray(CompletableFuture<?>[]::new));
            });
  }

  /** A reply of pairs (a RESP2 array or a RESP3 map) as a map with text keys. */
  static Map<String, Object> pairs(Object reply) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (reply instanceof Map<?, ?> map) {
      map.forEach((k, v) -> m.put(text(k), v));
    } else if (reply instanceof List<?> list) {
      for (int i = 0; i + 1 < list.size(); i += 2) {
        m.put(text(list.get(i)), list.get(i + 1));
      }
    }
    return m;
  }

  static String text(Object o) {
    if (o instanceof byte[] b) {
      return new String(b, StandardCharsets.UTF_8);
    }
    if (o instanceof ByteBuffer b) {
      return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }
    return o == null ? null : o.toString();
  }

  static long number(Object o, long otherwise) {
    if (o instanceof Number n) {
      return n.longValue();
    }
    try {
      String s = text(o);
      return s == null ? otherwise : Long.parseLong(s);
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }
}
