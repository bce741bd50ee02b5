package io.callosum.lower.redis;

import static io.callosum.lower.redis.RawRedis.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.fanout.Broadcaster;
import io.callosum.fanout.Delivery;
import io.callosum.fanout.PipelineReceiver;
import io.callosum.lower.redis.testing.RedisServer;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.WireFrames;
import io.callosum.upper.MsgpackCodec;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The wire of Python Callosum 1.0.3's Redis lowers, byte for byte, with a raw Redis client playing
 * Python's side exactly as its source issues commands: stream keys ({@code KEY.bind}, {@code
 * KEY.conn}, the dispatch stream {@code KEY}), fields ({@code hdr}, {@code msg}), the {@code meta}
 * markers, the groups and consumers of the addresses, and a Python bound peer that reads only its
 * first batch.
 */
class RedisPythonWireTest {
  @RegisterExtension final Closer closer = new Closer();
  private static RedisServer redis;
  private final MsgpackCodec msgpack = new MsgpackCodec();
  private final RedisTransport transport = new RedisTransport(RedisTests.options());

  @BeforeAll
  static void redis() {
    redis = RedisTests.redis();
  }

  private String freshKey(String prefix) {
    return RedisTests.keyOf(redis.freshAddress(prefix));
  }

  private static List<String> fieldNames(StreamMessage<String, byte[]> m) {
    return new ArrayList<>(m.getBody().keySet());
  }

  /**
   * A Java client against a Python bound peer: nothing reaches {@code KEY.bind} before the call,
   * since the Python peer reads one batch only; the call is {@code hdr}/{@code msg} alone; the
   * client reads {@code KEY.conn} in its address's group and consumer, which it leaves on close.
   */
  @Test
  public void aJavaClientMeetsAPythonServer() throws Exception {
    String key = freshKey("py-server");
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    raw.pythonOpen(key + ".bind", "server-group");
    RawRedis pyLoop = closer.later(new RawRedis(redis.port()));
    Future<List<StreamMessage<String, byte[]>>> firstBatch =
        closer
            .executor("python-recv-loop")
            .submit(
                () -> {
                  List<StreamMessage<String, byte[]>> batch = List.of();
                  while (batch.isEmpty()) { // Python's `while not per_key_fetch_list`
                    batch = pyLoop.readBatch(key + ".bind", "server-group", "client1");
                  }
                  return batch;
                });
    ConnectedPeer client =
        closer.later(
            Peer.builder()
                .transport(transport)
                .connect(
                    "redis://127.0.0.1:"
                        + redis.port()
                        + "/"
                        + key
                        + "?group=client-group&consumer=server1")
                .build()
                .start());
    assertTrue(client.remote().capabilities().isLegacy(), "no welcome: a Python peer");
    CompletableFuture<Object> call = client.invoke("echo", "hi");
    List<StreamMessage<String, byte[]>> batch =
        firstBatch.get(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    assertEquals(1, batch.size(), "the call is the first batch: " + batch);
    StreamMessage<String, byte[]> request = batch.get(0);
    assertEquals(List.of("hdr", "msg"), fieldNames(request));
    byte[] hdr = request.getBody().get("hdr");
    assertEquals("FUNCTION", WireFrames.type(hdr));
    assertEquals("echo", WireFrames.method(hdr));
    byte[] args = WireFrames.appBody(request.getBody().get("msg"));
    assertEquals("hi", msgpack.decode(args, Object.class));

    List<StreamMessage<String, byte[]>> conn =
        raw.redis().xrange(key + ".conn", Range.create("-", "+"));
    assertEquals(Map.of("meta", "create-stream"), text(conn.get(0).getBody()));
    assertTrue(raw.groups(key + ".conn").contains("client-group"));
    raw.add(
        key + ".conn",
        "hdr",
        WireFrames.resultHeader(hdr),
        "msg",
        WireFrames.resultBody(msgpack.encode("hi back")));
    assertEquals("hi back", Await.result(call));
    assertTrue(groupHasConsumer(raw, key + ".conn", "client-group", "server1"));
    client.close();
    assertFalse(groupHasConsumer(raw, key + ".conn", "client-group", "server1"));
  }

  /**
   * A Python client against a Java bound peer: the bound side made {@code KEY.bind} with its marker
   * and its group and consumer; it answers on {@code KEY.conn} with {@code hdr}/{@code msg} alone,
   * any number of times; on close its consumer leaves the group, which stays.
   */
  @Test
  public void aPythonClientMeetsAJavaServer() throws Exception {
    String key = freshKey("py-client");
    BoundPeer server =
        closer.later(
            Peer.builder()
                .transport(transport)
                .bind(
                    "redis://127.0.0.1:"
                        + redis.port()
                        + "/"
                        + key
                        + "?group=server-group&consumer=client1")
                .build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    List<StreamMessage<String, byte[]>> bind =
        raw.redis().xrange(key + ".bind", Range.create("-", "+"));
    assertEquals(Map.of("meta", "create-stream"), text(bind.get(0).getBody()));
    assertTrue(groupHasConsumer(raw, key + ".bind", "server-group", "client1"));

    raw.pythonOpen(key + ".conn", "client-group");
    for (int seq = 0; seq < 3; seq++) {
      raw.add(
          key + ".bind",
          "hdr",
          WireFrames.callHeader("echo", seq),
          "msg",
          WireFrames.requestBody(msgpack.encode("n" + seq)));
      StreamMessage<String, byte[]> reply = raw.nextMessage(key + ".conn", "client-group", "s1");
      assertEquals(List.of("hdr", "msg"), fieldNames(reply));
      assertEquals("RESULT", WireFrames.type(reply.getBody().get("hdr")));
      assertEquals(seq, WireFrames.seq(reply.getBody().get("hdr")));
      assertEquals(
          "n" + seq, msgpack.decode(WireFrames.appBody(reply.getBody().get("msg")), Object.class));
    }
    server.close();
    assertFalse(groupHasConsumer(raw, key + ".bind", "server-group", "client1"));
    assertTrue(
        raw.groups(key + ".bind").contains("server-group"),
        "the group stays, with what was not read yet");
  }

  /**
   * Dispatch: the publisher marks the stream {@code create-or-join-to-stream} and appends {@code
   * hdr}/{@code msg} (and {@code topic}); a consumer group reads it as Python's consumer does; a
   * Java worker in a named group takes entries without a topic too.
   */
  @Test
  public void dispatchStreamsAreOneStreamOfHdrMsgEntriesReadByGroups() throws Exception {
    String key = freshKey("py-dispatch");
    String address = "redis://127.0.0.1:" + redis.port() + "/" + key;
    RawRedis raw = closer.later(new RawRedis(redis.port()));
    raw.pythonOpen(key, "consumer-group");
    Broadcaster b = closer.later(Broadcaster.builder().transport(transport).bind(address).build());
    assertTrue(b.publish("t", 42));
    StreamMessage<String, byte[]> item = raw.nextMessage(key, "consumer-group", "consumer1");
    assertEquals(List.of("hdr", "msg", "topic"), fieldNames(item));
    assertArrayEquals(b("t"), item.getBody().get("topic"));
    assertEquals(
        42L, ((Number) msgpack.decode(item.getBody().get("msg"), Object.class)).longValue());
    List<StreamMessage<String, byte[]>> all = raw.redis().xrange(key, Range.create("-", "+"));
    assertTrue(
        all.stream()
            .anyMatch(m -> "create-or-join-to-stream".equals(RawRedis.s(m.getBody().get("meta")))));

    PipelineReceiver w =
        closer.later(
            PipelineReceiver.builder()
                .transport(transport)
                .connect(address + "?group=workers&consumer=w1")
                .build());
    raw.add(key, "hdr", WireFrames.itemHeader(9, 1), "msg", msgpack.encode("no topic"));
    Delivery d = w.poll(Await.LIMIT);
    assertEquals("no topic", d.value());
    assertEquals("", d.topic());
    assertTrue(groupHasConsumer(raw, key, "workers", "w1"));
    w.close();
    assertFalse(groupHasConsumer(raw, key, "workers", "w1"));
    assertTrue(raw.groups(key).contains("workers"));
  }

  private static Map<String, String> text(Map<String, byte[]> fields) {
    Map<String, String> m = new LinkedHashMap<>();
    fields.forEach((k, v) -> m.put(k, RawRedis.s(v)));
    return m;
  }

  private static boolean groupHasConsumer(
      RawRedis raw, String stream, String group, String consumer) {
    return raw.consumers(stream, group).contains(consumer);
  }
}
