package io.callosum.lower.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plain Redis client for tests that play the other side by hand, as Python Callosum's lowers
 * issue their commands (XADD, XGROUP CREATE ... MKSTREAM, XREADGROUP ... BLOCK 1000, XACK).
 */
final class RawRedis implements AutoCloseable {
  private final RedisClient client;
  private final StatefulRedisConnection<String, byte[]> connection;

  RawRedis(int port) {
    client = RedisClient.create("redis://127.0.0.1:" + port);
    client.setOptions(ClientOptions.builder().protocolVersion(ProtocolVersion.RESP2).build());
    connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
  }

  RedisCommands<String, byte[]> redis() {
    return connection.sync();
  }

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String s(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  /** XADD with fields in order (name, value, name, value...). */
  String add(String stream, Object... fieldsAndValues) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    for (int i = 0; i < fieldsAndValues.length; i += 2) {
      Object v = fieldsAndValues[i + 1];
      m.put((String) fieldsAndValues[i], v instanceof byte[] bytes ? bytes : b(String.valueOf(v)));
    }
    return redis().xadd(stream, m);
  }

  /** What Python's binder/connector do first: a create-stream marker, then the group at the end. */
  void pythonOpen(String stream, String group) {
    add(stream, "meta", "create-stream");
    try {
      redis().xgroupCreate(StreamOffset.latest(stream), group, XGroupCreateArgs.Builder.mkstream());
    } catch (RuntimeException e) {
      if (!String.valueOf(e.getMessage()).contains("BUSYGROUP")) {
        throw e;
      }
    }
  }

  /** One XREADGROUP batch ({@code BLOCK 1000}), acknowledged. */
  List<StreamMessage<String, byte[]>> readBatch(String stream, String group, String consumer) {
    List<StreamMessage<String, byte[]>> batch =
        redis()
            .xreadgroup(
                Consumer.from(group, consumer),
                XReadArgs.Builder.block(1000),
                StreamOffset.lastConsumed(stream));
    for (StreamMessage<String, byte[]> m : batch) {
      redis().xack(stream, group, m.getId());
    }
    return batch;
  }

  /** Reads until an entry without {@code meta} arrives (bounded). */
  StreamMessage<String, byte[]> nextMessage(String stream, String group, String consumer) {
    for (int i = 0; i < 15; i++) {
      for (StreamMessage<String, byte[]> m : readBatch(stream, group, consumer)) {
        if (!m.getBody().containsKey("meta")) {
          return m;
        }
      }
    }
    throw new AssertionError("no message on " + stream + " within 15 s");
  }

  /** The consumer names of {@code group} (none if the stream or group does not exist). */
  List<String> consumers(String stream, String group) {
    try {
      return names(redis().xinfoConsumers(stream, group));
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  /** The group names of {@code stream} (none if it does not exist). */
  List<String> groups(String stream) {
    try {
      return names(redis().xinfoGroups(stream));
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  private static List<String> names(List<Object> infos) {
    List<String> out = new ArrayList<>();
    for (Object info : infos) {
      List<?> pairs = (List<?>) info;
      for (int i = 0; i + 1 < pairs.size(); i += 2) {
        if ("name".equals(text(pairs.get(i)))) {
          out.add(text(pairs.get(i + 1)));
        }
      }
    }
    return out;
  }

  private static String text(Object o) {
    return o instanceof byte[] bytes ? s(bytes) : String.valueOf(o);
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
  }
}
