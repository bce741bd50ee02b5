package io.callosum.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.Body;
import io.callosum.BoundPeer;
import io.callosum.CallCancelledException;
import io.callosum.CallContext;
import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.CallOutcome;
import io.callosum.CallTimeoutException;
import io.callosum.CallosumException;
import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.ErrorCode;
import io.callosum.Handler;
import io.callosum.InternalEntries;
import io.callosum.Limits;
import io.callosum.MessageTooLargeException;
import io.callosum.Metadata;
import io.callosum.OrderKey;
import io.callosum.Ordering;
import io.callosum.OverloadedException;
import io.callosum.Payload;
import io.callosum.Peer;
import io.callosum.PeerListener;
import io.callosum.RemoteInternalException;
import io.callosum.RemotePeer;
import io.callosum.RemoteUserException;
import io.callosum.Reply;
import io.callosum.ShuttingDownException;
import io.callosum.internal.CallId;
import io.callosum.internal.Header;
import io.callosum.internal.MessageCodec;
import io.callosum.internal.MessageType;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.Transport;
import io.callosum.upper.MsgpackCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * The behaviour every lower must give the peer protocol: RPC basics, bidirectional calls and
 * callback chains, the three ordering policies, timeouts and cancellation, every error kind,
 * limits, bad input injected at the envelope level, and releasing everything on close.
 *
 * <p>A lower's test subclasses this and says how to reach it: {@link #transport()} and a fresh
 * {@link #bindAddress()} per call. Clients connect to the server's {@link Peer#address()}, so an
 * ephemeral port works.
 */
public abstract class ConformanceSuite {
  /** The lower under test. */
  protected abstract Transport transport();

  /**
   * A fresh address to bind a server on (e.g. {@code inproc://unique}, {@code tcp://127.0.0.1:0}).
   */
  protected abstract String bindAddress();

  /**
   * Whether the lower tells a remote's orderly close from a failure (ZeroMQ cannot: a remote that
   * closes and one that dies both just disconnect).
   */
  protected boolean tellsOrderlyClose() {
    return true;
  }

  /** How many open/close cycles {@link #openCloseCyclesReleaseEverything} runs. */
  protected int openCloseCycles() {
    return 1000;
  }

  @RegisterExtension final Closer closer = new Closer();
  protected final MsgpackCodec msgpack = new MsgpackCodec();

  protected <T extends AutoCloseable> T closeLater(T c) {
    return closer.later(c);
  }

  /**
   * A builder on the lower under test. Calls time out after {@link Await#LIMIT}, so that a
   * regression that loses a reply fails its test instead of hanging the build.
   */
  protected Peer.Builder base() {
    return Peer.builder().transport(transport()).defaultTimeout(Await.LIMIT);
  }

  /** A started server with the demo handlers echo, add and fail registered. */
  protected BoundPeer server(UnaryOperator<BoundPeer.Builder> config) {
    BoundPeer p = closeLater(config.apply(base().bind(bindAddress()).name("server")).build());
    p.handle("echo", (ctx, body) -> body.value());
    p.handle(
        "add",
        (ctx, body) -> {
          Map<?, ?> m = (Map<?, ?>) body.value();
          return ((Number) m.get("a")).longValue() + ((Number) m.get("b")).longValue();
        });
    p.handle(
        "fail",
        (ctx, body) -> {
          throw new IllegalStateException("failing on purpose: " + body.value());
        });
    return p.start();
  }

  protected BoundPeer server() {
    return server(b -> b);
  }

  protected ConnectedPeer client(Peer server, UnaryOperator<ConnectedPeer.Builder> config) {
    return closeLater(config.apply(base().connect(server.address()).name("client")).build())
        .start();
  }

  protected ConnectedPeer client(Peer server) {
    return client(server, b -> b);
  }

  protected static <T> T await(CompletableFuture<T> f) throws Exception {
    return Await.result(f);
  }

  protected static void awaitIdle(Peer... peers) {
    for (Peer p : peers) {
      Await.until(
          "no call is left in " + p,
          () -> InternalEntries.of(p) == 0,
          () -> "(" + InternalEntries.of(p) + " entries)");
    }
  }

  private static void await(CountDownLatch latch) throws InterruptedException {
    assertTrue(
        latch.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS), "latch not released in time");
  }

  // ------------------------------------------------------------------ RPC basics

  @Test
  public void echoRoundTripsValues() throws Exception {
    ConnectedPeer client = client(server());
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("int", 1);
    value.put("long", Long.MAX_VALUE);
    value.put("str", "héllo ✓");
    value.put("bytes", new byte[] {0, 1, 2, (byte) 255});
    value.put("list", List.of(1, "two", List.of(3.5)));
    value.put("nil", null);
    @SuppressWarnings("unchecked")
    Map<String, Object> back = (Map<String, Object>) await(client.invoke("echo", value));
    assertEquals(1, back.get("int"));
    assertEquals(Long.MAX_VALUE, back.get("long"));
    assertEquals("héllo ✓", back.get("str"));
    assertArrayEquals(new byte[] {0, 1, 2, (byte) 255}, (byte[]) back.get("bytes"));
    assertEquals(List.of(1, "two", List.of(3.5)), back.get("list"));
    assertTrue(back.containsKey("nil"));
    assertNull(back.get("nil"));
    assertNull(await(client.invoke("echo", null)));
    assertEquals(3L, ((Number) client.invokeAndWait("add", Map.of("a", 1, "b", 2))).longValue());
  }

  public record AddRequest(int a, int b) {}

  public record AddResult(long result) {}

  @Test
  public void typedRecordsAndAsyncHandlers() throws Exception {
    Peer server = server();
    server.handle(
        "typedAdd", AddRequest.class, (ctx, req) -> new AddResult(req.a() + (long) req.b()));
    server.handle(
        "asyncAdd",
        AddRequest.class,
        (ctx, req) -> CompletableFuture.supplyAsync(() -> new AddResult(req.a() + (long) req.b())));
    ConnectedPeer client = client(server);
    assertEquals(
        new AddResult(5), await(client.invoke("typedAdd", new AddRequest(2, 3), AddResult.class)));
    assertEquals(
        new AddResult(9), client.invokeAndWait("asyncAdd", new AddRequest(4, 5), AddResult.class));
  }

  @Test
  public void rawPayloadsBypassTheCodec() throws Exception {
    Peer server = server();
    server.handle("raw", (ctx, body) -> Payload.wrap(body.bytes()));
    ConnectedPeer client = client(server);
    byte[] encoded = msgpack.encode(List.of("x", 1));
    Payload reply = await(client.call("raw").invokeRaw(Payload.wrap(encoded)));
    assertArrayEquals(encoded, reply.bytes());
  }

  @Test
  public void compressedRepliesWhenTheServerAsks() throws Exception {
    Peer server = server(b -> b.compressReplies(true));
    RawLink raw = closeLater(RawLink.connect(transport(), server.address(), Capabilities.LEGACY));
    String big = "snappy ".repeat(1000);
    raw.sendCall("echo", OrderKey.NONE, 1, msgpack.encode(big));
    Envelope reply = raw.next();
    Header h = MessageCodec.decodeHeader(reply.header(), 1024, 32);
    assertTrue(h.zip(), "the reply is flagged zip");
    assertTrue(
        reply.body().length < big.length() / 4,
        "and compressed: " + reply.body().length + " bytes");
    assertEquals(
        big,
        msgpack.decode(MessageCodec.decodeBody(reply.body(), true, 1 << 20).body(), Object.class));
    assertEquals(big, await(client(server).invoke("echo", big)));
  }

  @Test
  public void compressedCallsAndLargeBodies() throws Exception {
    ConnectedPeer client = client(server());
    String big = "callosum ".repeat(100_000);
    assertEquals(big, await(client.call("echo").compress(true).invoke(big)));
    assertEquals(big, await(client.call("echo").invoke(big)));
  }

  // ------------------------------------------------------------------ bidirectional

  @Test
  public void serverCallsItsClientsAndCallbacksWhileServing() throws Exception {
    Peer server = server();
    server.handle(
        "greetBack",
        (ctx, body) -> "server got " + ctx.caller().invokeAndWait("hello", body.value()));
    ConnectedPeer c1 = client(server);
    ConnectedPeer c2 = client(server);
    c1.handle("hello", (ctx, body) -> "c1:" + body.value());
    c2.handle("hello", (ctx, body) -> "c2:" + body.value());
    assertEquals("server got c1:x", await(c1.invoke("greetBack", "x")));
    assertEquals("server got c2:y", await(c2.invoke("greetBack", "y")));
    Await.until("two remotes", () -> server.remotes().size() == 2);
    Set<Object> answers = new HashSet<>();
    for (RemotePeer r : server.remotes()) {
      answers.add(await(r.invoke("hello", "z")));
      assertFalse(r.capabilities().isLegacy());
      assertTrue(r.isConnected());
    }
    assertEquals(Set.of("c1:z", "c2:z"), answers);
  }

  @Test
  public void connectAndDisconnectEvents() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    List<String> causes = new CopyOnWriteArrayList<>();
    Peer server =
        server(
            b ->
                b.listener(
                    new PeerListener() {
                      @Override
                      public void connected(RemotePeer remote) {
                        events.add("connected " + remote.id());
                      }

                      @Override
                      public void disconnected(RemotePeer remote, Throwable cause) {
                        events.add("disconnected " + remote.id());
                        causes.add(String.valueOf(cause));
                      }
                    }));
    ConnectedPeer client = client(server);
    Await.until("connect event", () -> events.size() == 1);
    String id = server.remotes().get(0).id();
    assertEquals("connected " + id, events.get(0));
    client.close();
    // The listener notes the event before its cause.
    Await.until("disconnect event", () -> events.size() == 2 && causes.size() == 1);
    assertEquals("disconnected " + id, events.get(1));
    if (tellsOrderlyClose()) {
      assertEquals(List.of("null"), causes, "a client that closed is no failure");
    }
    Await.until("no remotes", () -> server.remotes().isEmpty());
  }

  /**
   * A calls B.m1, B.m1 calls A.m2, A.m2 calls B.m3, all on one order key: every call returns under
   * every policy, and an unrelated call on that key still waits its turn behind m1.
   */
  @ParameterizedTest
  @EnumSource(Ordering.class)
  public void callbackChainsOnOneKeyNeverDeadlock(Ordering ordering) throws Exception {
    CountDownLatch chainDone = new CountDownLatch(1);
    CountDownLatch releaseM1 = new CountDownLatch(1);
    AtomicBoolean m1Finished = new AtomicBoolean();
    AtomicBoolean unrelatedSawM1Finished = new AtomicBoolean();
    CountDownLatch unrelatedArrived = new CountDownLatch(1);
    List<String> replyOrder = new CopyOnWriteArrayList<>();
    Peer b =
        server(
            x ->
                x.ordering(ordering)
                    .interceptor(
                        new CallInterceptor() {
                          @Override
                          public void started(CallInfo call) {
                            if (call.method().equals("unrelated")) {
                              unrelatedArrived.countDown();
                            }
                          }

                          @Override
                          public void finished(CallInfo call, CallOutcome outcome) {
                            if (call.side() == CallInfo.Side.CALLEE) {
                              replyOrder.add(call.method());
                            }
                          }
                        }));
    b.handle(
        "m1",
        (ctx, body) -> {
          Object r = ctx.caller().call("m2").orderKey("k").invokeAndWait(null);
          chainDone.countDown();
          await(releaseM1);
          m1Finished.set(true);
          return "m1(" + r + ")";
        });
    b.handle("m3", (ctx, body) -> "m3");
    b.handle(
        "unrelated",
        (ctx, body) -> {
          unrelatedSawM1Finished.set(m1Finished.get());
          return "unrelated";
        });
    ConnectedPeer a = client(b, x -> x.ordering(ordering));
    a.handle(
        "m2",
        (ctx, body) -> "m2(" + ctx.caller().call("m3").orderKey("k").invokeAndWait(null) + ")");

    CompletableFuture<Object> m1 = a.call("m1").orderKey("k").invoke(null);
    await(chainDone);
    CompletableFuture<Object> unrelated = a.call("unrelated").orderKey("k").invoke(null);
    await(unrelatedArrived);
    releaseM1.countDown();
    assertEquals("m1(m2(m3))", await(m1));
    assertEquals("unrelated", await(unrelated));
    if (ordering == Ordering.KEY_SERIALIZED) {
      assertTrue(unrelatedSawM1Finished.get(), "the unrelated call ran before m1 finished");
    }
    if (ordering != Ordering.NONE) {
      Await.until("replies sent", () -> replyOrder.size() == 3);
      assertTrue(
          replyOrder.indexOf("m1") < replyOrder.indexOf("unrelated"), "reply order " + replyOrder);
      assertTrue(replyOrder.indexOf("m3") < replyOrder.indexOf("m1"), "reply order " + replyOrder);
    }
    awaitIdle(a, b);
  }

  // ------------------------------------------------------------------ ordering

  /**
   * 50 calls on one key whose handlers would finish in reverse order: NONE replies in finish order,
   * KEY_RETURN_ORDERED runs them all at once but replies in arrival order, KEY_SERIALIZED runs them
   * one at a time in arrival order.
   */
  @ParameterizedTest
  @EnumSource(Ordering.class)
  public void fiftyCallsOnOneKey(Ordering ordering) throws Exception {
    int n = 50;
    List<CountDownLatch> done =
        IntStream.range(0, n + 1).mapToObj(i -> new CountDownLatch(1)).collect(Collectors.toList());
    done.get(n).countDown();
    CountDownLatch allStarted = new CountDownLatch(n);
    List<CountDownLatch> accepted =
        IntStream.range(0, n + 1).mapToObj(i -> new CountDownLatch(1)).collect(Collectors.toList());
    accepted.get(n).countDown();
    AtomicBoolean overlapped = new AtomicBoolean();
    List<Integer> started = new CopyOnWriteArrayList<>();
    List<Integer> sent = new CopyOnWriteArrayList<>();
    List<Integer> arrived = new CopyOnWriteArrayList<>();
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger maxConcurrent = new AtomicInteger();
    Peer server =
        server(
            b ->
                b.ordering(ordering)
                    .interceptor(
                        new CallInterceptor() {
                          @Override
                          public void started(CallInfo call) {
                            accepted.get(Integer.parseInt(call.method().substring(1))).countDown();
                          }

                          @Override
                          public void finished(CallInfo call, CallOutcome outcome) {
                            int i = Integer.parseInt(call.method().substring(1));
                            sent.add(i);
                            if (ordering == Ordering.NONE) {
                              done.get(i).countDown();
                            }
                          }
                        }));
    for (int i = 0; i < n; i++) {
      int me = i;
      server.handle(
          "h" + i,
          (ctx, body) -> {
            started.add(me);
            maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            allStarted.countDown();
            try {
              if (ordering != Ordering.KEY_SERIALIZED) {
                await(allStarted); // all 50 run at once...
                await(
                    done.get(
                        me + 1)); // ...and each finishes only after every later call: reverse order
              } else {
                // The next call has arrived and is queued behind this one: it must not start yet.
                await(accepted.get(me + 1));
                Thread.yield();
                overlapped.compareAndSet(false, started.contains(me + 1));
              }
              return me;
            } finally {
              concurrent.decrementAndGet();
              if (ordering == Ordering.KEY_RETURN_ORDERED) {
                done.get(me).countDown();
              }
            }
          });
    }
    ConnectedPeer client =
        client(
            server,
            b ->
                b.callbackExecutor(Runnable::run)
                    .interceptor(
                        new CallInterceptor() {
                          @Override
                          public void finished(CallInfo call, CallOutcome outcome) {
                            arrived.add(Integer.parseInt(call.method().substring(1)));
                          }
                        }));
    List<CompletableFuture<Object>> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      calls.add(client.call("h" + i).orderKey("same").invoke(null));
    }
    for (int i = 0; i < n; i++) {
      assertEquals(i, await(calls.get(i)));
    }
    Await.until("the server has logged every reply", () -> sent.size() == n);
    List<Integer> ascending = IntStream.range(0, n).boxed().collect(Collectors.toList());
    List<Integer> descending = new ArrayList<>(ascending);
    Collections.reverse(descending);
    switch (ordering) {
      case NONE -> {
        assertEquals(n, maxConcurrent.get());
        assertEquals(descending, sent);
        assertEquals(descending, arrived);
      }
      case KEY_RETURN_ORDERED -> {
        assertEquals(n, maxConcurrent.get());
        assertEquals(ascending, sent);
        assertEquals(ascending, arrived);
      }
      default -> {
        assertEquals(1, maxConcurrent.get());
        assertFalse(overlapped.get(), "a call started while an earlier one on its key ran");
        assertEquals(ascending, started);
        assertEquals(ascending, sent);
        assertEquals(ascending, arrived);
      }
    }
    awaitIdle(server, client);
  }

  @ParameterizedTest
  @EnumSource(
      value = Ordering.class,
      names = {"KEY_SERIALIZED", "KEY_RETURN_ORDERED"})
  public void keysAreIndependent(Ordering ordering) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Peer server = server(b -> b.ordering(ordering));
    server.handle(
        "slow",
        (ctx, body) -> {
          await(release);
          return "slow";
        });
    ConnectedPeer client = client(server);
    CompletableFuture<Object> slow = client.call("slow").orderKey("a").invoke(null);
    assertEquals("fast", await(client.call("echo").orderKey("b").invoke("fast")));
    assertEquals(
        "fast",
        await(client.call("echo").orderKey(new byte[] {'a'}).invoke("fast")),
        "bin 'a' is another key than str 'a'");
    assertFalse(slow.isDone());
    release.countDown();
    assertEquals("slow", await(slow));
    awaitIdle(server, client);
  }

  // ------------------------------------------------------------------ timeouts and cancellation

  /** A handler that blocks until cancelled and reports how it ended. */
  protected static final class Blocker {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch ended = new CountDownLatch(1);
    final AtomicBoolean interrupted = new AtomicBoolean();
    final AtomicBoolean sawCancelled = new AtomicBoolean();
    final CountDownLatch release = new CountDownLatch(1);

    Handler handler() {
      return (ctx, body) -> {
        entered.countDown();
        try {
          release.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS);
          return "released";
        } catch (InterruptedException e) {
          interrupted.set(true);
          sawCancelled.set(ctx.isCancelled());
          throw e;
        } finally {
          ended.countDown();
        }
      };
    }
  }

  @ParameterizedTest
  @EnumSource(Ordering.class)
  public void timeoutFailsTheCallAndCancelsTheRemoteHandler(Ordering ordering) throws Exception {
    ManualTimer timer = new ManualTimer();
    Blocker blocker = new Blocker();
    Peer server = server(b -> b.ordering(ordering));
    server.handle("block", blocker.handler());
    ConnectedPeer client = client(server, b -> b.timer(timer));
    CompletableFuture<Object> f =
        client.call("block").orderKey("k").timeout(Duration.ofSeconds(5)).invoke(null);
    await(blocker.entered);
    timer.advance(Duration.ofSeconds(4));
    assertFalse(f.isDone());
    timer.advance(Duration.ofSeconds(1));
    assertInstanceOf(CallTimeoutException.class, Await.failure(f));
    await(blocker.ended);
    assertTrue(blocker.interrupted.get());
    assertTrue(blocker.sawCancelled.get());
    assertEquals("after", await(client.call("echo").orderKey("k").invoke("after")));
    awaitIdle(server, client);
    assertEquals(0, timer.scheduled());
  }

  @ParameterizedTest
  @EnumSource(Ordering.class)
  public void cancellingTheFutureCancelsTheRemoteHandler(Ordering ordering) throws Exception {
    Blocker blocker = new Blocker();
    Peer server = server(b -> b.ordering(ordering));
    server.handle("block", blocker.handler());
    ConnectedPeer client = client(server);
    CompletableFuture<Object> f = client.call("block").orderKey("k").invoke(null);
    await(blocker.entered);
    assertTrue(f.cancel(true));
    await(blocker.ended);
    assertTrue(blocker.interrupted.get());
    assertThrows(CancellationException.class, f::join);
    awaitIdle(server, client);
  }

  @ParameterizedTest
  @EnumSource(Ordering.class)
  public void asyncHandlerStageIsCancelled(Ordering ordering) throws Exception {
    CompletableFuture<Object> stage = new CompletableFuture<>();
    Peer server = server(b -> b.ordering(ordering));
    CountDownLatch entered = new CountDownLatch(1);
    server.handle(
        "async",
        (ctx, body) -> {
          entered.countDown();
          return stage;
        });
    ConnectedPeer client = client(server);
    CompletableFuture<Object> f = client.invoke("async", null);
    await(entered);
    f.cancel(true);
    Await.until("the handler's stage is cancelled", stage::isCancelled);
    awaitIdle(server, client);
  }

  @Test
  public void cancelOfAQueuedCallRemovesItWithoutRunning() throws Exception {
    Blocker blocker = new Blocker();
    AtomicBoolean secondRan = new AtomicBoolean();
    CountDownLatch secondQueued = new CountDownLatch(1);
    CountDownLatch secondAnswered = new CountDownLatch(1);
    Peer server =
        server(
            b ->
                b.ordering(Ordering.KEY_SERIALIZED)
                    .interceptor(
                        new CallInterceptor() {
                          @Override
                          public void started(CallInfo call) {
                            if (call.method().equals("second")) {
                              secondQueued.countDown();
                            }
                          }

                          @Override
                          public void finished(CallInfo call, CallOutcome outcome) {
                            if (call.method().equals("second")
                                && outcome.error() == ErrorCode.CANCELLED) {
                              secondAnswered.countDown();
                            }
                          }
                        }));
    server.handle("block", blocker.handler());
    server.handle(
        "second",
        (ctx, body) -> {
          secondRan.set(true);
          return "ran";
        });
    ConnectedPeer client = client(server);
    CompletableFuture<Object> first = client.call("block").orderKey("k").invoke(null);
    await(blocker.entered);
    CompletableFuture<Object> second = client.call("second").orderKey("k").invoke(null);
    await(secondQueued);
    second.cancel(true);
    await(secondAnswered); // the server answered CANCELLED while the call was still queued
    blocker.release.countDown();
    assertEquals("released", await(first));
    awaitIdle(server, client);
    assertFalse(secondRan.get(), "a cancelled queued call ran");
  }

  @Test
  public void executionTimeoutAnswersCancelled() throws Exception {
    ManualTimer timer = new ManualTimer();
    Blocker blocker = new Blocker();
    Peer server = server(b -> b.timer(timer).executionTimeout(Duration.ofSeconds(2)));
    server.handle("block", blocker.handler());
    ConnectedPeer client = client(server);
    CompletableFuture<Object> f = client.invoke("block", null);
    await(blocker.entered);
    Await.until("the execution timeout is scheduled", () -> timer.scheduled() == 1);
    timer.advance(Duration.ofSeconds(2));
    Throwable t = Await.failure(f);
    assertInstanceOf(CallCancelledException.class, t);
    assertTrue(((CallosumException) t).isRemote());
    await(blocker.ended);
    assertTrue(blocker.interrupted.get());
    awaitIdle(server, client);
  }

  // ------------------------------------------------------------------ errors

  @Test
  public void handlerExceptionsArriveWithoutTheRemoteStackByDefault() throws Exception {
    ConnectedPeer client = client(server());
    RemoteUserException e =
        assertThrows(RemoteUserException.class, () -> client.invokeAndWait("fail", "x"));
    assertEquals("java.lang.IllegalStateException", e.remoteName());
    assertEquals("java.lang.IllegalStateException: failing on purpose: x", e.remoteRepr());
    assertEquals(e.remoteRepr() + "\n", e.remoteTraceback(), "the name and message only");
  }

  @Test
  public void handlerExceptionsArriveWithRemoteStack() throws Exception {
    Peer server = server(b -> b.stackTracesInReplies(true));
    server.handle(
        "asyncFail",
        (ctx, body) -> CompletableFuture.failedFuture(new IllegalArgumentException("async bad")));
    ConnectedPeer client = client(server);
    RemoteUserException e =
        assertThrows(RemoteUserException.class, () -> client.invokeAndWait("fail", "x"));
    assertEquals(ErrorCode.REMOTE_USER_ERROR, e.code());
    assertEquals("java.lang.IllegalStateException", e.remoteName());
    assertTrue(e.remoteRepr().contains("failing on purpose: x"), e.remoteRepr());
    assertTrue(
        e.remoteTraceback().contains("at io.callosum.testing.ConformanceSuite"),
        e.remoteTraceback());
    assertTrue(e.isRemote());
    RemoteUserException a =
        assertThrows(RemoteUserException.class, () -> client.invokeAndWait("asyncFail", null));
    assertEquals("java.lang.IllegalArgumentException", a.remoteName());
  }

  @Test
  public void unknownMethodIsAnsweredWithAnError() throws Exception {
    ConnectedPeer client = client(server());
    RemoteInternalException e =
        assertThrows(RemoteInternalException.class, () -> client.invokeAndWait("nope", null));
    assertEquals(ErrorCode.NO_SUCH_METHOD, e.code());
    assertTrue(e.getMessage().contains("nope"), e.getMessage());
  }

  /** A value Jackson cannot encode: its getter throws. */
  public static final class Unencodable {
    public String getBoom() {
      throw new IllegalStateException("boom");
    }
  }

  @Test
  public void unencodableResultIsAnsweredWithAnError() throws Exception {
    Peer server = server();
    server.handle("bad", (ctx, body) -> new Unencodable());
    ConnectedPeer client = client(server);
    RemoteInternalException e =
        assertThrows(RemoteInternalException.class, () -> client.invokeAndWait("bad", null));
    assertEquals(ErrorCode.CODEC_ERROR, e.code());
    assertEquals("ok", client.invokeAndWait("echo", "ok"));
  }

  @Test
  public void unencodableArgumentFailsLocally() throws Exception {
    ConnectedPeer client = client(server());
    CallosumException e =
        assertThrows(
            CallosumException.class, () -> client.invokeAndWait("echo", new Unencodable()));
    assertEquals(ErrorCode.CODEC_ERROR, e.code());
    assertFalse(e.isRemote());
  }

  @Test
  public void callsInFlightFailWhenTheServerCloses() throws Exception {
    Blocker blocker = new Blocker();
    Peer server = server();
    server.handle("block", blocker.handler());
    ConnectedPeer client = client(server);
    CompletableFuture<Object> f = client.invoke("block", null);
    await(blocker.entered);
    server.close();
    assertInstanceOf(ConnectionLostException.class, Await.failure(f));
    await(blocker.ended);
    Await.until("the client notices", () -> client.remotes().isEmpty());
    assertInstanceOf(ConnectionLostException.class, Await.failure(client.invoke("echo", 1)));
    awaitIdle(client);
  }

  @Test
  public void callsAfterCloseFailAndConnectToNothingFails() throws Exception {
    Peer server = server();
    ConnectedPeer client = client(server);
    client.close();
    assertInstanceOf(ConnectionLostException.class, Await.failure(client.invoke("echo", 1)));
    String address = server.address();
    server.close();
    ConnectedPeer orphan =
        closeLater(
            Peer.builder()
                .transport(transport())
                .connect(address)
                .connectTimeout(Duration.ofSeconds(2))
                .build());
    assertThrows(ConnectionLostException.class, orphan::start);
  }

  @Test
  public void overloadIsReportedNotDropped() throws Exception {
    Blocker blocker = new Blocker();
    Blocker second = new Blocker();
    Peer server =
        server(b -> b.limits(Limits.builder().maxConcurrentCalls(1).maxQueuedCalls(1).build()));
    server.handle("block", blocker.handler());
    server.handle("block2", second.handler());
    ConnectedPeer client = client(server);
    CompletableFuture<Object> first = client.invoke("block", null);
    await(blocker.entered);
    CompletableFuture<Object> queued = client.invoke("echo", "queued");
    Throwable remote = Await.failure(client.invoke("echo", "refused"));
    assertInstanceOf(OverloadedException.class, remote);
    assertTrue(((OverloadedException) remote).isRemote());
    blocker.release.countDown();
    assertEquals("released", await(first));
    assertEquals("queued", await(queued));

    ConnectedPeer limited =
        client(server, b -> b.limits(Limits.builder().maxPendingCalls(1).build()));
    CompletableFuture<Object> pending = limited.invoke("block2", null);
    await(second.entered);
    Throwable local = Await.failure(limited.invoke("echo", "too many"));
    assertInstanceOf(OverloadedException.class, local);
    assertFalse(((OverloadedException) local).isRemote());
    second.release.countDown();
    assertEquals("released", await(pending));
    assertEquals("fine again", await(limited.invoke("echo", "fine again")));
    awaitIdle(server, client, limited);
  }

  @Test
  public void messageSizeLimitsBothWays() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    Peer server = server(b -> b.limits(Limits.builder().maxMessageSize(10_000).build()));
    server.handle("count", (ctx, body) -> calls.incrementAndGet());
    server.handle("big", (ctx, body) -> new byte[20_000]);
    ConnectedPeer client =
        client(server, b -> b.limits(Limits.builder().maxMessageSize(50_000).build()));
    Throwable local = Await.failure(client.invoke("count", new byte[60_000]));
    assertInstanceOf(MessageTooLargeException.class, local);
    assertFalse(((CallosumException) local).isRemote());
    Throwable incoming = Await.failure(client.invoke("count", new byte[20_000]));
    assertInstanceOf(MessageTooLargeException.class, incoming);
    assertTrue(((CallosumException) incoming).isRemote());
    Throwable result = Await.failure(client.invoke("big", null));
    assertInstanceOf(MessageTooLargeException.class, result);
    assertEquals(0, calls.get());
    assertEquals(1, await(client.invoke("count", null)));
    awaitIdle(server, client);
  }

  @Test
  public void interceptorsSeeBothSides() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    CallInterceptor recorder =
        new CallInterceptor() {
          @Override
          public void started(CallInfo call) {
            seen.add("start " + call.side() + " " + call.method());
          }

          @Override
          public void finished(CallInfo call, CallOutcome outcome) {
            if (outcome.bytesOut() <= 0
                || outcome.bytesIn() <= 0
                || outcome.duration().isNegative()) {
              seen.add(
                  "bad outcome " + outcome); // recorded, not thrown: this runs inside the engine
            }
            seen.add(
                "end "
                    + call.side()
                    + " "
                    + call.method()
                    + " "
                    + (outcome.isSuccess() ? "OK" : outcome.error()));
          }
        };
    Peer server = server(b -> b.interceptor(recorder));
    ConnectedPeer client = client(server, b -> b.interceptor(recorder));
    await(client.invoke("echo", 1));
    assertThrows(RemoteUserException.class, () -> client.invokeAndWait("fail", null));
    Await.until("8 events", () -> seen.size() == 8, seen::toString);
    for (String s :
        List.of(
            "start CALLER echo",
            "start CALLEE echo",
            "end CALLEE echo OK",
            "end CALLER echo OK",
            "end CALLEE fail REMOTE_USER_ERROR",
            "end CALLER fail REMOTE_USER_ERROR")) {
      assertTrue(seen.contains(s), s + " in " + seen);
    }
  }

  // ------------------------------------------------------------------ capabilities and legacy
  // remotes

  private static Map<String, Object> headerKeys(byte[] header) throws Exception {
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) new MsgpackCodec().decode(header, Object.class);
    return m;
  }

  /** Adds {@code trace: t-1} to every call it sees leave. */
  private static final CallInterceptor ADDS_METADATA =
      new CallInterceptor() {
        @Override
        public Listener sending(CallInfo call, Metadata.Builder metadata) {
          metadata.put("trace", "t-1");
          return null;
        }
      };

  @Test
  public void legacyRemotesGetOnlyWhatPythonUnderstands() throws Exception {
    Peer server = server(b -> b.interceptor(ADDS_METADATA));
    server.handle(
        "cb",
        (ctx, body) ->
            "cb:"
                + ctx.caller()
                    .call("back")
                    .metadata(Metadata.of("k", "v"))
                    .timeout(Duration.ofSeconds(5))
                    .invokeAndWait(1));
    RawLink python =
        closeLater(RawLink.connect(transport(), server.address(), Capabilities.LEGACY));
    Await.until("the server sees the remote", () -> server.remotes().size() == 1);
    assertTrue(server.remotes().get(0).capabilities().isLegacy());
    python.sendCall("cb", OrderKey.NONE, 7, msgpack.encode(null));
    Envelope callback = python.next();
    Header h = MessageCodec.decodeHeader(callback.header(), 1024, 32);
    assertEquals(MessageType.FUNCTION, h.type());
    assertEquals("back", h.method());
    assertEquals(
        List.of("type", "meth", "okey", "seq", "zip"),
        new ArrayList<>(headerKeys(callback.header()).keySet()));
    python.send(
        MessageCodec.encodeHeader(h.reply(MessageType.RESULT)),
        MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, msgpack.encode("py"), false));
    Envelope reply = python.next();
    Header rh = MessageCodec.decodeHeader(reply.header(), 1024, 32);
    assertEquals(MessageType.RESULT, rh.type());
    assertEquals(7, rh.seq());
    assertEquals(
        "cb:py",
        msgpack.decode(MessageCodec.decodeBody(reply.body(), false, 1 << 20).body(), Object.class));
    assertEquals(
        List.of("type", "meth", "okey", "seq", "zip"),
        new ArrayList<>(headerKeys(reply.header()).keySet()));

    // md and dl from a remote that did not announce them are not read.
    server.handle(
        "seen", (ctx, body) -> ctx.metadata().size() + " " + ctx.timeRemaining().isPresent());
    python.send(
        MessageCodec.encodeHeader(
            new Header(MessageType.FUNCTION, "seen", OrderKey.NONE, 8, false, List.of())
                .withExtras(Metadata.of("k", "v"), 1)),
        MessageCodec.encodeBody(MessageCodec.NO_META, msgpack.encode(null), false));
    Envelope seen = python.next();
    assertEquals(
        "0 false",
        msgpack.decode(MessageCodec.decodeBody(seen.body(), false, 1 << 20).body(), Object.class));
  }

  // ------------------------------------------------------------------ metadata, deadlines and
  // interceptors on the handler's thread

  @Test
  public void metadataTravelsWithCallsAndReplies() throws Exception {
    Peer server = server();
    server.handle(
        "whoami",
        (ctx, body) -> {
          Metadata in = ctx.metadata();
          ctx.setReplyMetadata(
              Metadata.builder()
                  .put("served-by", "server")
                  .put("echo-bin", in.getBinary("token"))
                  .build());
          return in.get("tenant");
        });
    server.handle(
        "refuse",
        (ctx, body) -> {
          ctx.setReplyMetadata(Metadata.of("reason", "quota"));
          throw new IllegalStateException("over quota");
        });
    ConnectedPeer client = client(server);
    Metadata md =
        Metadata.builder()
            .put("tenant", "acme")
            .put("token", new byte[] {0, 1, (byte) 255})
            .build();
    Reply<String> reply =
        await(client.call("whoami").metadata(md).invokeForReply(null, String.class));
    assertEquals("acme", reply.value());
    assertEquals("server", reply.metadata().get("served-by"));
    assertArrayEquals(new byte[] {0, 1, (byte) 255}, reply.metadata().getBinary("echo-bin"));
    assertTrue(reply.metadata().isBinary("echo-bin"));

    RemoteUserException failed =
        assertThrows(
            RemoteUserException.class,
            () -> client.call("refuse").metadata(md).invokeAndWait(null));
    assertEquals("quota", failed.metadata().get("reason"));
    assertEquals(
        Metadata.EMPTY,
        await(client.call("echo").invokeForReply("plain", String.class)).metadata(),
        "no reply metadata set: empty");
    awaitIdle(server, client);
  }

  @Test
  public void aHandlersCallsInheritItsDeadline_andTheCalleeStopsPastIt() throws Exception {
    ManualTimer serverClock = new ManualTimer();
    ManualTimer clientClock = new ManualTimer(); // never advanced: the client does not time out
    Blocker blocker = new Blocker();
    Peer server = server(b -> b.timer(serverClock));
    server.handle("block", blocker.handler());
    server.handle(
        "outer",
        (ctx, body) ->
            List.of(
                ctx.timeRemaining().orElseThrow().toMillis(),
                ctx.caller().invokeAndWait("inner", null)));
    ConnectedPeer client = client(server, b -> b.timer(clientClock));
    client.handle("inner", (ctx, body) -> ctx.timeRemaining().orElseThrow().toMillis());
    List<?> seen =
        (List<?>) await(client.call("outer").timeout(Duration.ofSeconds(5)).invoke(null));
    assertEquals(5000L, ((Number) seen.get(0)).longValue(), "the callee counts from arrival");
    long inner = ((Number) seen.get(1)).longValue();
    assertTrue(inner > 0 && inner <= 5000, "the callback inherited the deadline: " + inner);
    assertEquals(Optional.empty(), CallContext.current(), "no call is current on this thread");

    CompletableFuture<Object> f = client.call("block").timeout(Duration.ofSeconds(5)).invoke(null);
    await(blocker.entered);
    serverClock.advance(Duration.ofMillis(4_999));
    assertFalse(blocker.ended.getCount() == 0, "not before the deadline");
    serverClock.advance(Duration.ofMillis(1));
    await(blocker.ended);
    assertTrue(blocker.interrupted.get(), "the callee stopped the handler at the deadline");
    assertInstanceOf(CallTimeoutException.class, Await.failure(f));
    assertTrue(((CallosumException) Await.failure(f)).isRemote(), "the callee said so");
    awaitIdle(server, client);
    assertEquals(0, serverClock.scheduled(), "no deadline timer is left");
  }

  @Test
  public void interceptorsRunOnTheHandlersThreadWithTheCallCurrent() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    List<CallOutcome> ends = new CopyOnWriteArrayList<>();
    CallInterceptor callee =
        new CallInterceptor() {
          @Override
          public Object intercept(CallContext call, Body body, Handler next) throws Exception {
            boolean current = CallContext.current().orElse(null) == call;
            seen.add(call.method() + " " + current + " " + call.metadata().get("trace"));
            try {
              return next.handle(call, body);
            } catch (CallosumException e) {
              seen.add(call.method() + " threw " + e.code());
              throw e;
            }
          }
        };
    CallInterceptor caller =
        new CallInterceptor() {
          @Override
          public Listener sending(CallInfo call, Metadata.Builder metadata) {
            metadata.put("trace", "t-" + call.method());
            return ends::add;
          }
        };
    Peer server = server(b -> b.interceptor(callee));
    server.handle(
        "inside",
        (ctx, body) -> CallContext.current().orElseThrow() == ctx ? "current" : "not current");
    ConnectedPeer client = client(server, b -> b.interceptor(caller));
    assertEquals("current", await(client.invoke("inside", null)));
    RemoteInternalException unknown =
        assertThrows(RemoteInternalException.class, () -> client.invokeAndWait("nope", null));
    assertEquals(ErrorCode.NO_SUCH_METHOD, unknown.code());
    assertEquals(
        List.of("inside true t-inside", "nope true t-nope", "nope threw NO_SUCH_METHOD"), seen);
    Await.until("both calls' listeners heard the end", () -> ends.size() == 2, ends::toString);
    assertTrue(ends.get(0).isSuccess());
    assertEquals(ErrorCode.NO_SUCH_METHOD, ends.get(1).error());
    awaitIdle(server, client);
  }

  @Test
  public void tooMuchMetadataIsAnsweredWithAnErrorNamingTheLimit() throws Exception {
    Peer server =
        server(b -> b.limits(Limits.builder().maxMetadataEntries(4).maxMetadataSize(256).build()));
    ConnectedPeer bystander = client(server);
    RawLink raw =
        closeLater(
            RawLink.connect(
                transport(),
                server.address(),
                new Capabilities(
                    Capabilities.VERSION,
                    4242,
                    Set.of(Capabilities.METADATA, Capabilities.DEADLINE))));
    Metadata.Builder many = Metadata.builder();
    for (int i = 0; i < 5; i++) {
      many.put("k" + i, "v");
    }
    sendEcho(raw, 1, many.build(), 0);
    assertErrorMessage(raw, 1, "Limits.maxMetadataEntries");
    sendEcho(raw, 2, Metadata.of("big", "x".repeat(300)), 0);
    assertErrorMessage(raw, 2, "Limits.maxMetadataSize");
    sendEcho(raw, 3, Metadata.of("fits", "yes"), Header.MAX_DEADLINE_MILLIS);
    assertEquals(MessageType.RESULT, raw.nextHeader().type(), "the call within the limits");
    assertNothingElseThenEcho(raw, 4);
    assertEquals("fine", await(bystander.invoke("echo", "fine")));
  }

  @Test
  public void deadlinesFromTheWireAreClamped() throws Exception {
    Peer server = server();
    server.handle("left", (ctx, body) -> ctx.timeRemaining().orElseThrow().toMillis());
    RawLink raw =
        closeLater(
            RawLink.connect(
                transport(),
                server.address(),
                new Capabilities(Capabilities.VERSION, 4243, Set.of(Capabilities.DEADLINE))));
    raw.send(header(1, "left", 1, false, "dl", 1L << 40), emptyCallBody());
    Envelope reply = raw.next();
    long left =
        ((Number)
                msgpack.decode(
                    MessageCodec.decodeBody(reply.body(), false, 1 << 20).body(), Object.class))
            .longValue();
    assertTrue(
        left <= Header.MAX_DEADLINE_MILLIS && left > Header.MAX_DEADLINE_MILLIS - 60_000,
        "clamped to the longest deadline: " + left);
    raw.send(header(1, "left", 2, false, "dl", -5), emptyCallBody());
    assertErrorMessage(raw, 2, "dl out of range");
    assertNothingElseThenEcho(raw, 3);
  }

  private void sendEcho(RawLink raw, long seq, Metadata md, long deadlineMillis) throws Exception {
    raw.send(
        MessageCodec.encodeHeader(
            new Header(MessageType.FUNCTION, "echo", OrderKey.NONE, seq, false, List.of())
                .withExtras(md, deadlineMillis)),
        MessageCodec.encodeBody(MessageCodec.NO_META, msgpack.encode("hi"), false));
  }

  private byte[] emptyCallBody() {
    return MessageCodec.encodeBody(MessageCodec.NO_META, msgpack.encode(null), false);
  }

  private void assertErrorMessage(RawLink raw, long seq, String naming) throws Exception {
    Envelope e = raw.next();
    Header h = MessageCodec.decodeHeader(e.header(), 1 << 20, 1024);
    assertEquals(MessageType.ERROR, h.type(), h::toString);
    assertEquals(seq, h.seq());
    String[] meta =
        MessageCodec.decodeErrorMeta(MessageCodec.decodeBody(e.body(), false, 1 << 20).meta());
    assertEquals("callosum.BadMessage", meta[0], Arrays.toString(meta));
    assertTrue(meta[1].contains(naming), Arrays.toString(meta));
  }

  @Test
  public void repliesEchoTheOrderKeyWithItsMsgpackType() throws Exception {
    Peer server = server();
    RawLink raw = closeLater(RawLink.connect(transport(), server.address(), Capabilities.LEGACY));
    OrderKey str = OrderKey.of("k");
    OrderKey bin = OrderKey.ofBytes(new byte[] {'k'});
    raw.sendCall("echo", str, 1, msgpack.encode(1));
    raw.sendCall("echo", bin, 2, msgpack.encode(2));
    Header first = raw.nextHeader();
    Header second = raw.nextHeader();
    Header forStr = first.seq() == 1 ? first : second;
    Header forBin = first.seq() == 1 ? second : first;
    assertEquals(str, forStr.orderKey());
    assertTrue(forStr.orderKey().isString());
    assertEquals(bin, forBin.orderKey());
    assertFalse(forBin.orderKey().isString());
  }

  // ------------------------------------------------------------------ bad input at the envelope
  // level

  private static byte[] pack(PackBody body) throws Exception {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      body.write(p);
      return p.toByteArray();
    }
  }

  @FunctionalInterface
  private interface PackBody {
    void write(MessageBufferPacker p) throws Exception;
  }

  private static byte[] header(int type, String meth, long seq, boolean zip) throws Exception {
    return header(type, meth, seq, zip, null, 0);
  }

  /** A header of the five keys and, unless {@code key} is null, {@code key: value}, unchecked. */
  private static byte[] header(int type, String meth, long seq, boolean zip, String key, long value)
      throws Exception {
    return pack(
        p -> {
          p.packMapHeader(key == null ? 5 : 6)
              .packString("type")
              .packInt(type)
              .packString("meth")
              .packString(meth)
              .packString("okey")
              .packBinaryHeader(0)
              .packString("seq")
              .packLong(seq)
              .packString("zip")
              .packBoolean(zip);
          if (key != null) {
            p.packString(key).packLong(value);
          }
        });
  }

  /**
   * Sends a valid echo and checks that its RESULT is the next thing received: nothing else came
   * back.
   */
  private void assertNothingElseThenEcho(RawLink raw, long seq) throws Exception {
    raw.sendCall("echo", OrderKey.NONE, seq, msgpack.encode("alive"));
    Header h = raw.nextHeader();
    assertEquals(MessageType.RESULT, h.type(), "expected only the echo's reply, got " + h);
    assertEquals(seq, h.seq());
  }

  private Header assertErrorReply(RawLink raw, long seq, String expectedName) throws Exception {
    Envelope e = raw.next();
    Header h = MessageCodec.decodeHeader(e.header(), 1 << 20, 1024);
    assertEquals(MessageType.ERROR, h.type());
    assertEquals(seq, h.seq());
    String[] meta =
        MessageCodec.decodeErrorMeta(MessageCodec.decodeBody(e.body(), false, 1 << 20).meta());
    assertEquals(expectedName, meta[0], Arrays.toString(meta));
    return h;
  }

  @Test
  public void malformedEnvelopesAreAnsweredOrDroppedAndServingGoesOn() throws Exception {
    Peer server = server(b -> b.limits(Limits.builder().maxOrderKeySize(64).build()));
    ConnectedPeer bystander = client(server);
    RawLink raw = closeLater(RawLink.connect(transport(), server.address(), Capabilities.LEGACY));
    byte[] goodBody = MessageCodec.encodeBody(MessageCodec.NO_META, msgpack.encode(1), false);
    byte[] good = header(1, "echo", 100, false);

    // Dropped (no readable request to answer), each logged:
    raw.send(Arrays.copyOf(good, 12), goodBody); // truncated header, before meth/okey/seq
    raw.send(new byte[0], new byte[0]); // empty frames
    raw.send(new byte[] {(byte) 0xc1}, goodBody); // never-used msgpack byte
    raw.send(pack(p -> p.packArrayHeader(1).packInt(1)), goodBody); // header not a map
    raw.send(
        pack(
            p ->
                p.packMapHeader(5)
                    .packString("type")
                    .packString("FUNCTION")
                    .packString("meth")
                    .packString("echo")
                    .packString("okey")
                    .packBinaryHeader(0)
                    .packString("seq")
                    .packInt(1)
                    .packString("zip")
                    .packBoolean(false)),
        goodBody);
    raw.send(header(9, "echo", 101, false), goodBody); // unknown message type
    raw.send(
        new byte[] {(byte) 0xdf, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff},
        goodBody); // map32 bomb
    raw.send(
        header(5, "echo", 12345, false),
        MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, null, false)); // CANCEL unknown
    raw.send(header(2, "echo", 12346, false), goodBody); // RESULT for nothing
    assertNothingElseThenEcho(raw, 1);

    // Answered with an ERROR reply naming the problem:
    raw.send(
        Arrays.copyOf(good, good.length - 3), goodBody); // truncated header, meth/okey/seq readable
    assertErrorReply(raw, 100, "callosum.BadMessage");
    raw.send(
        pack(
            p ->
                p.packMapHeader(5)
                    .packString("type")
                    .packInt(1)
                    .packString("meth")
                    .packString("echo")
                    .packString("okey")
                    .packString("k".repeat(500))
                    .packString("seq")
                    .packInt(102)
                    .packString("zip")
                    .packBoolean(false)),
        goodBody);
    assertEquals(
        "k".repeat(500),
        new MsgpackCodec()
            .decode(
                assertErrorReply(raw, 102, "callosum.BadMessage").orderKey().encoded(),
                Object.class),
        "an oversize order key is echoed in the error reply");
    raw.send(header(1, "echo", 200, true), new byte[] {1, 2, 3, 4, 5}); // bad snappy data
    assertErrorReply(raw, 200, "callosum.BadMessage");
    raw.send(header(1, "echo", 201, false), pack(p -> p.packArrayHeader(0))); // body not a map
    assertErrorReply(raw, 201, "callosum.BadMessage");
    raw.send(
        header(1, "echo", 202, false),
        MessageCodec.encodeBody(MessageCodec.NO_META, null, false)); // nil body
    assertErrorReply(raw, 202, "callosum.BadMessage");
    raw.send(
        header(1, "echo", 203, false), new byte[] {(byte) 0x82, (byte) 0xa4}); // truncated body
    assertErrorReply(raw, 203, "callosum.BadMessage");
    raw.send(header(1, "nope", 204, false), goodBody);
    assertErrorReply(raw, 204, "callosum.NoSuchMethod");
    raw.send(
        pack(
            p ->
                p.packMapHeader(5)
                    .packString("type")
                    .packInt(1)
                    .packString("meth")
                    .packString("echo")
                    .packString("okey")
                    .packBinaryHeader(0)
                    .packString("seq")
                    .packInt(205)
                    .packString("zip")
                    .packInt(1)),
        goodBody);
    assertErrorReply(raw, 205, "callosum.BadMessage");
    raw.send(
        header(1, "echo", 206, false),
        MessageCodec.encodeBody(MessageCodec.NO_META, new byte[] {(byte) 0xc1}, false));
    Header bad =
        raw.nextHeader(); // an undecodable app body reaches the handler, whose decode fails
    assertEquals(206, bad.seq());
    assertEquals(MessageType.ERROR, bad.type());
    assertNothingElseThenEcho(raw, 2);

    assertEquals("still serving", await(bystander.invoke("echo", "still serving")));
    assertFalse(raw.isDisconnected());
    awaitIdle(server, bystander);
  }

  @Test
  public void malformedRepliesFailOnlyTheirCall() throws Exception {
    RawLink raw = closeLater(RawLink.bind(transport(), bindAddress(), Capabilities.LEGACY));
    ManualTimer timer = new ManualTimer();
    ConnectedPeer client =
        closeLater(
                Peer.builder().transport(transport()).connect(raw.address()).timer(timer).build())
            .start();
    raw.link();

    CompletableFuture<Object> nilBody = client.invoke("a", 1);
    Header h1 = raw.nextHeader();
    raw.send(
        MessageCodec.encodeHeader(h1.reply(MessageType.RESULT)),
        MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, null, false));
    assertEquals(ErrorCode.BAD_MESSAGE, ((CallosumException) Await.failure(nilBody)).code());

    CompletableFuture<Object> badMeta = client.invoke("b", 1);
    Header h2 = raw.nextHeader();
    raw.send(
        MessageCodec.encodeHeader(h2.reply(MessageType.FAILURE)),
        MessageCodec.encodeBody(
            pack(p -> p.packArrayHeader(2).packString("x").packString("y")), null, false));
    RemoteInternalException meta = (RemoteInternalException) Await.failure(badMeta);
    assertEquals(ErrorCode.BAD_MESSAGE, meta.code());

    CompletableFuture<Object> badHeader = client.invoke("e", 1);
    Header h5 = raw.nextHeader();
    raw.send(
        pack(
            p ->
                p.packMapHeader(5)
                    .packString("type")
                    .packInt(2)
                    .packString("meth")
                    .packString("e")
                    .packString("okey")
                    .packBinaryHeader(0)
                    .packString("seq")
                    .packLong(h5.seq())
                    .packString("zip")
                    .packString("no")),
        MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, msgpack.encode(1), false));
    assertEquals(
        ErrorCode.BAD_MESSAGE,
        ((CallosumException) Await.failure(badHeader)).code(),
        "a readable but bad reply header fails its call at once");

    CompletableFuture<Object> garbage = client.call("c").timeout(Duration.ofSeconds(1)).invoke(1);
    Header h3 = raw.nextHeader();
    raw.send(new byte[] {(byte) 0xc1, 0x00}, new byte[] {1});
    raw.send(
        MessageCodec.encodeHeader(
            new Header(MessageType.RESULT, "c", OrderKey.of("other"), h3.seq(), false, List.of())),
        MessageCodec.encodeBody(
            MessageCodec.EMPTY_ARRAY_META, msgpack.encode(1), false)); // wrong okey: not this call
    CompletableFuture<Object> good = client.invoke("d", 1);
    Header h4 = raw.nextHeader();
    raw.send(
        MessageCodec.encodeHeader(h4.reply(MessageType.RESULT)),
        MessageCodec.encodeBody(MessageCodec.EMPTY_ARRAY_META, msgpack.encode("fine"), false));
    assertEquals("fine", await(good));
    assertFalse(garbage.isDone());
    timer.advance(Duration.ofSeconds(1));
    assertInstanceOf(CallTimeoutException.class, Await.failure(garbage));
    Header cancel = raw.nextHeader();
    assertEquals(MessageType.CANCEL, cancel.type());
    assertEquals(h3.seq(), cancel.seq());
    awaitIdle(client);
  }

  // ------------------------------------------------------------------ robustness of the serving
  // side

  /** Callback chains complete even when every handler slot is taken by their blocked ancestors. */
  @ParameterizedTest
  @EnumSource(Ordering.class)
  public void callbackChainsNeedNoFreeHandlerSlot(Ordering ordering) throws Exception {
    Limits one = Limits.builder().maxConcurrentCalls(1).build();
    Peer b = server(x -> x.ordering(ordering).limits(one));
    b.handle(
        "m1",
        (ctx, body) -> "m1(" + ctx.caller().call("m2").orderKey("k").invokeAndWait(null) + ")");
    b.handle("m3", (ctx, body) -> "m3");
    ConnectedPeer a = client(b, x -> x.ordering(ordering).limits(one));
    a.handle(
        "m2",
        (ctx, body) -> "m2(" + ctx.caller().call("m3").orderKey("other").invokeAndWait(null) + ")");
    assertEquals("m1(m2(m3))", await(a.call("m1").orderKey("k").invoke(null)));
    awaitIdle(a, b);
  }

  /**
   * A chain that starts with a legacy caller (Python) and comes back through a Java peer is still
   * recognised: the ancestry is this peer's own callback, not the caller's id.
   */
  @Test
  public void chainsBelowALegacyCallerAreRecognised() throws Exception {
    Peer b = server(x -> x.ordering(Ordering.KEY_SERIALIZED));
    ConnectedPeer j = client(b);
    j.handle("x", (ctx, body) -> "x(" + j.call("y").orderKey("k").invokeAndWait(null) + ")");
    Await.until("two remotes", () -> b.remotes().size() == 1);
    RemotePeer javaRemote = b.remotes().get(0);
    b.handle("m1", (ctx, body) -> "m1(" + javaRemote.invokeAndWait("x", null) + ")");
    b.handle("y", (ctx, body) -> "y");
    RawLink python = closeLater(RawLink.connect(transport(), b.address(), Capabilities.LEGACY));
    python.sendCall("m1", OrderKey.of("k"), 1, msgpack.encode(null));
    Envelope reply = python.next();
    assertEquals(MessageType.RESULT, MessageCodec.decodeHeader(reply.header(), 1024, 32).type());
    assertEquals(
        "m1(x(y))",
        msgpack.decode(MessageCodec.decodeBody(reply.body(), false, 1 << 20).body(), Object.class));
  }

  /** A remote cannot jump a key's queue by claiming an ancestry this peer never gave it. */
  @Test
  public void forgedAncestryDoesNotBypassOrdering() throws Exception {
    Blocker blocker = new Blocker();
    AtomicBoolean secondRan = new AtomicBoolean();
    Peer server = server(b -> b.ordering(Ordering.KEY_SERIALIZED));
    server.handle("block", blocker.handler());
    server.handle(
        "second",
        (ctx, body) -> {
          secondRan.set(true);
          return "second";
        });
    long fakeInstance = 42;
    RawLink raw =
        closeLater(
            RawLink.connect(
                transport(),
                server.address(),
                new Capabilities(1, fakeInstance, Set.of(Capabilities.CHAIN))));
    raw.sendCall("block", OrderKey.of("k"), 1, msgpack.encode(null));
    await(blocker.entered);
    long serverInstance = server.capabilities().instanceId();
    List<CallId> forged =
        List.of(
            new CallId(fakeInstance, 1),
            new CallId(serverInstance, 0),
            new CallId(serverInstance, 1));
    raw.send(
        MessageCodec.encodeHeader(
            new Header(MessageType.FUNCTION, "second", OrderKey.of("k"), 2, false, forged)),
        MessageCodec.encodeBody(MessageCodec.NO_META, msgpack.encode(null), false));
    ConnectedPeer probe = client(server);
    assertEquals(
        "probe",
        await(
            probe
                .call("echo")
                .orderKey("other")
                .invoke("probe"))); // the server has read the raw link
    assertFalse(secondRan.get(), "a forged chain ran the call past the key's queue");
    blocker.release.countDown();
    assertEquals(1, raw.nextHeader().seq());
    assertEquals(2, raw.nextHeader().seq());
    assertTrue(secondRan.get());
  }

  /** A handler executor that refuses work makes the call fail with "overloaded", never silence. */
  @Test
  public void refusedHandlerTasksAreAnswered() throws Exception {
    ThreadPoolExecutor tiny =
        new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new SynchronousQueue<>());
    closeLater(tiny::shutdownNow);
    Blocker blocker = new Blocker();
    Peer server = server(b -> b.handlerExecutor(tiny));
    server.handle("block", blocker.handler());
    ConnectedPeer client = client(server);
    CompletableFuture<Object> first = client.invoke("block", null);
    await(blocker.entered);
    Throwable refused = Await.failure(client.invoke("echo", "no thread for me"));
    assertInstanceOf(OverloadedException.class, refused);
    blocker.release.countDown();
    assertEquals("released", await(first));
    awaitIdle(server, client);
  }

  /**
   * An exception whose toString() throws, a stage that cannot be converted, a failing interceptor:
   * still one reply each.
   */
  @Test
  public void misbehavingHandlersAndInterceptorsStillGetAReply() throws Exception {
    CallInterceptor failing =
        new CallInterceptor() {
          @Override
          public void finished(CallInfo call, CallOutcome outcome) {
            throw new AssertionError("interceptor bug");
          }
        };
    Peer server = server(b -> b.ordering(Ordering.KEY_SERIALIZED).interceptor(failing));
    server.handle(
        "nasty",
        (ctx, body) -> {
          throw new IllegalStateException() {
            @Override
            public String toString() {
              throw new UnsupportedOperationException("no text for you");
            }

            @Override
            public String getMessage() {
              throw new UnsupportedOperationException("no text for you");
            }
          };
        });
    server.handle(
        "stage",
        (ctx, body) ->
            new CompletableFuture<Object>() {
              @Override
              public CompletableFuture<Object> toCompletableFuture() {
                throw new UnsupportedOperationException("not convertible");
              }
            });
    ConnectedPeer client = client(server);
    RemoteUserException nasty =
        assertThrows(
            RemoteUserException.class,
            () -> client.call("nasty").orderKey("k").invokeAndWait(null));
    assertTrue(nasty.remoteRepr().contains("toString() failed"), nasty.remoteRepr());
    RemoteUserException stage =
        assertThrows(
            RemoteUserException.class,
            () -> client.call("stage").orderKey("k").invokeAndWait(null));
    assertEquals("java.lang.UnsupportedOperationException", stage.remoteName());
    assertEquals(
        "after", await(client.call("echo").orderKey("k").invoke("after")), "the key is free again");
    awaitIdle(server, client);
  }

  /** A server that calls each client as soon as it connects reaches every one of them. */
  @Test
  public void callingAClientFromItsConnectEventWorks() throws Exception {
    List<CompletableFuture<Object>> greetings = new CopyOnWriteArrayList<>();
    Peer server =
        server(
            b ->
                b.directExecutor()
                    .listener(
                        new PeerListener() {
                          @Override
                          public void connected(RemotePeer remote) {
                            greetings.add(remote.invoke("hello", "welcome"));
                          }
                        }));
    for (int i = 0; i < 20; i++) {
      ConnectedPeer.Builder b = base().connect(server.address());
      Peer c = closeLater(b.build());
      c.handle("hello", (ctx, body) -> "thanks");
      c.start();
    }
    Await.until("20 greetings sent", () -> greetings.size() == 20);
    for (CompletableFuture<Object> g : greetings) {
      assertEquals("thanks", await(g));
    }
  }

  @Test
  public void oversizeOrderKeysAreRefusedLocally() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    Peer server = server();
    server.handle("count", (ctx, body) -> calls.incrementAndGet());
    ConnectedPeer client = client(server);
    Throwable t = Await.failure(client.call("count").orderKey("k".repeat(2000)).invoke(null));
    assertInstanceOf(MessageTooLargeException.class, t);
    assertFalse(((CallosumException) t).isRemote());
    assertEquals(1, await(client.invoke("count", null)));
  }

  /**
   * A callback on another key needs no slot even when that key's holder waits for one: the holder
   * is started too, or the chain would wait for a slot its own ancestor holds.
   */
  @ParameterizedTest
  @EnumSource(
      value = Ordering.class,
      names = {"KEY_SERIALIZED", "KEY_RETURN_ORDERED"})
  public void callbacksOnAnotherKeyDoNotWaitForThatKeysQueuedHolder(Ordering ordering)
      throws Exception {
    CountDownLatch xAccepted = new CountDownLatch(1);
    Peer b =
        server(
            x ->
                x.ordering(ordering)
                    .limits(Limits.builder().maxConcurrentCalls(1).build())
                    .interceptor(
                        new CallInterceptor() {
                          @Override
                          public void started(CallInfo call) {
                            if (call.method().equals("x")) {
                              xAccepted.countDown();
                            }
                          }
                        }));
    b.handle(
        "m1",
        (ctx, body) -> {
          await(xAccepted); // x holds key k2 but waits for the one slot, which m1 has
          return "m1(" + ctx.caller().call("m2").orderKey("k1").invokeAndWait(null) + ")";
        });
    b.handle("m3", (ctx, body) -> "m3");
    b.handle("x", (ctx, body) -> "x");
    ConnectedPeer a = client(b, x -> x.ordering(ordering));
    a.handle(
        "m2",
        (ctx, body) -> "m2(" + ctx.caller().call("m3").orderKey("k2").invokeAndWait(null) + ")");
    CompletableFuture<Object> m1 = a.call("m1").orderKey("k1").invoke(null);
    CompletableFuture<Object> x = client(b).call("x").orderKey("k2").invoke(null);
    assertEquals("m1(m2(m3))", await(m1));
    assertEquals("x", await(x));
    awaitIdle(a, b);
  }

  /** Guessing the id of a callback in flight gains nothing: chain ids are random tokens. */
  @Test
  public void guessedCallbackIdsDoNotBypassOrdering() throws Exception {
    CountDownLatch slowEntered = new CountDownLatch(1);
    CountDownLatch releaseSlow = new CountDownLatch(1);
    AtomicBoolean secondRanWhileHeld = new AtomicBoolean();
    CountDownLatch secondAccepted = new CountDownLatch(1);
    Peer server =
        server(
            b ->
                b.ordering(Ordering.KEY_SERIALIZED)
                    .interceptor(
                        new CallInterceptor() {
                          @Override
                          public void started(CallInfo call) {
                            if (call.method().equals("second")) {
                              secondAccepted.countDown();
                            }
                          }
                        }));
    server.handle("m1", (ctx, body) -> ctx.caller().invokeAndWait("slow", null));
    server.handle(
        "second",
        (ctx, body) -> {
          secondRanWhileHeld.set(releaseSlow.getCount() > 0);
          return "second";
        });
    ConnectedPeer a = client(server);
    a.handle(
        "slow",
        (ctx, body) -> {
          slowEntered.countDown();
          releaseSlow.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS);
          return "slow";
        });
    CompletableFuture<Object> m1 = a.call("m1").orderKey("k").invoke(null);
    await(slowEntered);
    RawLink raw =
        closeLater(
            RawLink.connect(
                transport(),
                server.address(),
                new Capabilities(1, 42, Set.of(Capabilities.CHAIN))));
    long instance = server.capabilities().instanceId();
    List<CallId> guesses = new ArrayList<>();
    for (long seq = 0; seq < 4; seq++) {
      guesses.add(new CallId(instance, seq));
      guesses.add(new CallId(seq, seq));
    }
    raw.send(
        MessageCodec.encodeHeader(
            new Header(MessageType.FUNCTION, "second", OrderKey.of("k"), 7, false, guesses)),
        MessageCodec.encodeBody(MessageCodec.NO_META, msgpack.encode(null), false));
    await(secondAccepted);
    releaseSlow.countDown();
    await(m1);
    assertEquals(MessageType.RESULT, raw.nextHeader().type());
    assertFalse(secondRanWhileHeld.get(), "a guessed chain ran the call past the key's holder");
  }

  /**
   * A handler of one peer calling through another peer of the same JVM passes its chain on, but the
   * other peer does not take the first one's call for its own ancestor.
   */
  @Test
  public void anotherPeersCallIsNotTakenForAnAncestor() throws Exception {
    Blocker blocker = new Blocker();
    AtomicBoolean yRanWhileHeld = new AtomicBoolean();
    CountDownLatch yAccepted = new CountDownLatch(1);
    Peer d = server();
    ConnectedPeer c =
        client(
            d,
            b ->
                b.ordering(Ordering.KEY_SERIALIZED)
                    .interceptor(
                        new CallInterceptor() {
                          @Override
                          public void started(CallInfo call) {
                            if (call.method().equals("y")) {
                              yAccepted.countDown();
                            }
                          }
                        }));
    c.handle("block", blocker.handler());
    c.handle(
        "y",
        (ctx, body) -> {
          yRanWhileHeld.set(blocker.ended.getCount() > 0);
          return "y";
        });
    d.handle(
        "x", (ctx, body) -> "x(" + ctx.caller().call("y").orderKey("k").invokeAndWait(null) + ")");
    Await.until("d sees c", () -> d.remotes().size() == 1);
    CompletableFuture<Object> held = d.remotes().get(0).call("block").orderKey("k").invoke(null);
    await(blocker.entered);
    Peer x = server();
    x.handle("m1", (ctx, body) -> c.call("x").invokeAndWait(null));
    CompletableFuture<Object> m1 = client(x).call("m1").orderKey("k").invoke(null);
    await(yAccepted);
    blocker.release.countDown();
    assertEquals("released", await(held));
    assertEquals("x(y)", await(m1));
    assertFalse(yRanWhileHeld.get(), "y ran on c while c's key was held by an unrelated call");
  }

  /** A client that calls from its own connect event reaches the server every time. */
  @Test
  public void callsFromTheClientsConnectEventArrive() throws Exception {
    Peer server = server();
    for (int i = 0; i < 200; i++) {
      CompletableFuture<CompletableFuture<Object>> call = new CompletableFuture<>();
      try (ConnectedPeer c =
          base()
              .connect(server.address())
              .directExecutor()
              .listener(
                  new PeerListener() {
                    @Override
                    public void connected(RemotePeer remote) {
                      call.complete(remote.invoke("echo", "hi"));
                    }
                  })
              .build()
              .start()) {
        assertEquals("hi", await(await(call)));
      }
    }
  }

  /** Thousands of calls queued behind one key, served inline: no stack grows with the queue. */
  @Test
  public void inlineExecutorsServeLongQueuesWithoutRecursion() throws Exception {
    int n = 3000;
    CompletableFuture<Object> gate = new CompletableFuture<>();
    AtomicInteger accepted = new AtomicInteger();
    Peer server =
        server(
            b ->
                b.directExecutor()
                    .ordering(Ordering.KEY_SERIALIZED)
                    .interceptor(
                        new CallInterceptor() {
                          @Override
                          public void started(CallInfo call) {
                            accepted.incrementAndGet();
                          }
                        }));
    server.handle("gate", (ctx, body) -> gate);
    ConnectedPeer client = client(server);
    CompletableFuture<Object> g = client.call("gate").orderKey("k").invoke(null);
    List<CompletableFuture<Object>> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      calls.add(client.call("echo").orderKey("k").invoke(i));
    }
    Await.until("all accepted", () -> accepted.get() == n + 1, accepted::toString);
    Thread completer = new Thread(null, () -> gate.complete("open"), "small-stack", 256 * 1024);
    completer.start();
    completer.join(Await.LIMIT.toMillis());
    assertEquals("open", await(g));
    for (int i = 0; i < n; i++) {
      assertEquals(i, await(calls.get(i)));
    }
    awaitIdle(server, client);
  }

  // ------------------------------------------------------------------ resources

  static Set<Thread> callosumThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .filter(t -> t.getName().startsWith("callosum-"))
        .collect(Collectors.toSet());
  }

  @Test
  public void closeReleasesThreadsAndPendingCalls() throws Exception {
    Set<Thread> before = callosumThreads();
    Blocker blocker = new Blocker();
    Peer server = server(b -> b.defaultTimeout(Duration.ofMinutes(1)));
    server.handle("block", blocker.handler());
    ConnectedPeer client = client(server, b -> b.defaultTimeout(Duration.ofMinutes(1)));
    CompletableFuture<Object> f = client.invoke("block", null);
    await(blocker.entered);
    client.close();
    assertInstanceOf(ConnectionLostException.class, Await.failure(f));
    await(blocker.ended);
    awaitIdle(server, client);
    server.close();
    Await.until(
        "threads end",
        () -> before.containsAll(callosumThreads()),
        () -> callosumThreads().toString());
  }

  @Test
  public void openCloseCyclesReleaseEverything() throws Exception {
    Set<Thread> before = callosumThreads();
    Peer server = server();
    for (int i = 0; i < openCloseCycles(); i++) {
      try (ConnectedPeer client =
          Peer.builder().transport(transport()).connect(server.address()).build().start()) {
        assertEquals(i, client.invokeAndWait("echo", i));
      }
    }
    Await.until("the server forgets its clients", () -> server.remotes().isEmpty());
    awaitIdle(server);
    server.close();
    Await.until(
        "threads end",
        () -> before.containsAll(callosumThreads()),
        () -> callosumThreads().toString());
  }

  // ------------------------------------------------------------------ graceful shutdown

  /** A listener that counts down when its remote says it is shutting down. */
  private static PeerListener hearsShutdown(CountDownLatch told) {
    return new PeerListener() {
      @Override
      public void shuttingDown(RemotePeer remote) {
        told.countDown();
      }
    };
  }

  private static ShuttingDownException shuttingDown(CompletableFuture<?> f) throws Exception {
    Throwable e = Await.failure(f);
    assertInstanceOf(ShuttingDownException.class, e);
    assertEquals(ErrorCode.SHUTTING_DOWN, ((ShuttingDownException) e).code());
    return (ShuttingDownException) e;
  }

  /**
   * After shutdown(), a call in flight finishes and is answered; the client is told and its new
   * calls fail at once; once idle the server terminates, releasing what it held, and the client
   * sees it go.
   */
  @Test
  public void shutdownFinishesCallsInFlightAndRefusesNewOnes() throws Exception {
    Blocker blocker = new Blocker();
    BoundPeer server = server();
    server.handle("block", blocker.handler());
    CountDownLatch told = new CountDownLatch(1);
    ConnectedPeer client = client(server, b -> b.listener(hearsShutdown(told)));
    CompletableFuture<Object> inFlight = client.invoke("block", null);
    await(blocker.entered);
    assertFalse(server.awaitTermination(Duration.ZERO), "not shut down");
    server.shutdown();
    server.shutdown(); // idempotent
    assertTrue(server.isShutdown());
    await(told);
    assertTrue(client.remote().isShuttingDown());
    assertTrue(shuttingDown(client.invoke("echo", 1)).isRemote(), "the server said so");
    assertFalse(server.isTerminated(), "a call is in flight");
    assertFalse(inFlight.isDone());
    blocker.release.countDown();
    assertEquals("released", await(inFlight));
    assertTrue(server.awaitTermination(Await.LIMIT));
    assertTrue(server.isTerminated());
    assertEquals(0, InternalEntries.of(server));
    assertFalse(blocker.interrupted.get(), "the handler was not cancelled");
    Await.until("the client sees the server go", () -> client.remotes().isEmpty());
    awaitIdle(client);
  }

  /**
   * A caller that heard nothing (a Python peer, which gets no SHUTDOWN, or a call already on its
   * way) gets an ERROR reply {@code callosum.ShuttingDown} for a new call; a Java remote that
   * announced {@code shutdown} gets the SHUTDOWN message, a legacy one never.
   */
  @Test
  public void newCallsGetAShuttingDownErrorReply_andOnlyRemotesThatAnnouncedItAreTold()
      throws Exception {
    Blocker blocker = new Blocker();
    BoundPeer server = server();
    server.handle("block", blocker.handler());
    RawLink python =
        closeLater(RawLink.connect(transport(), server.address(), Capabilities.LEGACY));
    RawLink java =
        closeLater(
            RawLink.connect(
                transport(),
                server.address(),
                new Capabilities(Capabilities.VERSION, 99, Set.of(Capabilities.SHUTDOWN))));
    Await.until("both connected", () -> server.remotes().size() == 2);
    python.sendCall("block", OrderKey.NONE, 1, msgpack.encode(null));
    await(blocker.entered);
    server.shutdown();
    Header notice = java.nextHeader();
    assertEquals(MessageType.SHUTDOWN, notice.type());
    java.sendCall("echo", OrderKey.NONE, 7, msgpack.encode("on its way"));
    assertShuttingDownError(java.next(), 7);
    python.sendCall("echo", OrderKey.NONE, 2, msgpack.encode("late"));
    assertShuttingDownError(python.next(), 2);
    blocker.release.countDown();
    Header done = python.nextHeader();
    assertEquals(MessageType.RESULT, done.type());
    assertEquals(1, done.seq());
    assertTrue(server.awaitTermination(Await.LIMIT));
    assertEquals(0, python.backlog(), "nothing else reached the legacy remote");
  }

  private static void assertShuttingDownError(Envelope reply, long seq) throws Exception {
    Header h = MessageCodec.decodeHeader(reply.header(), 1024, 32);
    assertEquals(MessageType.ERROR, h.type());
    assertEquals(seq, h.seq());
    String[] meta = RawLink.errorMeta(reply);
    assertEquals(3, meta.length, "three str, as Python Callosum reads them");
    assertEquals("callosum.ShuttingDown", meta[0]);
  }

  /**
   * A call in flight may call back while its server shuts down, and the callback may call the
   * server again: both are part of the call in flight, and both get through.
   */
  @Test
  public void callbacksOfACallInFlightGoOnDuringShutdown() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch shutDown = new CountDownLatch(1);
    BoundPeer server = server();
    server.handle(
        "relay",
        (ctx, body) -> {
          entered.countDown();
          assertTrue(shutDown.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
          return "relayed " + ctx.caller().invokeAndWait("ask", body.value());
        });
    CountDownLatch told = new CountDownLatch(1);
    ConnectedPeer client = client(server, b -> b.listener(hearsShutdown(told)));
    client.handle(
        "ask", (ctx, body) -> "asked " + ctx.caller().invokeAndWait("echo", body.value()));
    CompletableFuture<Object> call = client.invoke("relay", "x");
    await(entered);
    server.shutdown();
    await(told);
    shutDown.countDown();
    assertEquals("relayed asked x", await(call));
    assertTrue(server.awaitTermination(Await.LIMIT));
  }

  /**
   * A connected peer that shuts down finishes its own calls in flight and refuses new ones (not
   * sent); its server is told, and calling it back fails at once.
   */
  @Test
  public void aConnectedPeerThatShutsDownFinishesItsCallsAndRefusesNewOnes() throws Exception {
    Blocker blocker = new Blocker();
    CountDownLatch told = new CountDownLatch(1);
    BoundPeer server = server(b -> b.listener(hearsShutdown(told)));
    server.handle("block", blocker.handler());
    ConnectedPeer client = client(server);
    CompletableFuture<Object> inFlight = client.invoke("block", null);
    await(blocker.entered);
    client.shutdown();
    assertFalse(shuttingDown(client.invoke("echo", 1)).isRemote(), "refused here");
    await(told);
    RemotePeer theClient = server.remotes().get(0);
    assertTrue(theClient.isShuttingDown());
    assertTrue(shuttingDown(theClient.invoke("echo", 1)).isRemote());
    blocker.release.countDown();
    assertEquals("released", await(inFlight));
    assertTrue(client.awaitTermination(Await.LIMIT));
    assertEquals(0, InternalEntries.of(client));
    Await.until("the server forgets the client", () -> server.remotes().isEmpty());
    awaitIdle(server);
  }

  /** A remote that connects while a server drains is told, and its calls are refused. */
  @Test
  public void aRemoteConnectingDuringShutdownIsRefusedItsCalls() throws Exception {
    Blocker blocker = new Blocker();
    BoundPeer server = server();
    server.handle("block", blocker.handler());
    CompletableFuture<Object> inFlight = client(server).invoke("block", null);
    await(blocker.entered);
    server.shutdown();
    ConnectedPeer late = client(server);
    shuttingDown(late.invoke("echo", 1));
    blocker.release.countDown();
    assertEquals("released", await(inFlight));
    assertTrue(server.awaitTermination(Await.LIMIT));
  }

  /**
   * shutdownNow() stops what a shutdown() still waits for: the handler is cancelled (interrupted,
   * and sees it), the caller's call fails, and the server terminates. A client's shutdownNow()
   * fails its own pending call at once.
   */
  @Test
  public void shutdownNowCancelsHandlersAndFailsPendingCalls() throws Exception {
    Blocker blocker = new Blocker();
    BoundPeer server = server();
    server.handle("block", blocker.handler());
    ConnectedPeer client = client(server);
    CompletableFuture<Object> inFlight = client.invoke("block", null);
    await(blocker.entered);
    server.shutdown();
    server.shutdownNow();
    await(blocker.ended);
    assertTrue(blocker.interrupted.get());
    assertTrue(blocker.sawCancelled.get());
    assertInstanceOf(ConnectionLostException.class, Await.failure(inFlight));
    assertTrue(server.awaitTermination(Await.LIMIT));
    assertTrue(server.isTerminated());

    Blocker other = new Blocker();
    BoundPeer second = server();
    second.handle("block", other.handler());
    ConnectedPeer caller = client(second);
    CompletableFuture<Object> pending = caller.invoke("block", null);
    await(other.entered);
    caller.shutdownNow();
    assertInstanceOf(ConnectionLostException.class, Await.failure(pending));
    assertTrue(caller.awaitTermination(Await.LIMIT));
    await(other.ended); // the server cancels the call of a client that went away
    awaitIdle(second);
  }

  /**
   * An idle peer that shuts down terminates at once, with every thread it made ended; one never
   * started terminates too, and can no longer start.
   */
  @Test
  public void shutdownOfIdlePeersReleasesEverything() throws Exception {
    Set<Thread> before = callosumThreads();
    BoundPeer server = server();
    ConnectedPeer client = client(server);
    assertEquals(1, client.invokeAndWait("echo", 1));
    client.shutdown();
    server.shutdown();
    assertTrue(client.awaitTermination(Await.LIMIT));
    assertTrue(server.awaitTermination(Await.LIMIT));
    assertEquals(0, InternalEntries.of(client) + InternalEntries.of(server));
    Await.until(
        "threads end",
        () -> before.containsAll(callosumThreads()),
        () -> callosumThreads().toString());
    BoundPeer never = closeLater(base().bind(bindAddress()).build());
    never.shutdown();
    assertTrue(never.awaitTermination(Await.LIMIT));
    assertThrows(IllegalStateException.class, never::start);
  }
}
