package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.CallTimeoutException;
import io.callosum.ConnectionLostException;
import io.callosum.ErrorCode;
import io.callosum.Limits;
import io.callosum.MessageTooLargeException;
import io.callosum.Metadata;
import io.callosum.OrderKey;
import io.callosum.Ordering;
import io.callosum.OverloadedException;
import io.callosum.Payload;
import io.callosum.ShuttingDownException;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.testing.Await;
import io.callosum.testing.ManualTimer;
import io.callosum.upper.MsgpackCodec;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The caller side without a lower or a thread: a link that records what is sent, a manual clock,
 * executors that run inline. Every call is settled exactly once and leaves no table entry.
 */
class OutgoingCallsTest {
  private static final DropLog DROPS =
      new DropLog(org.slf4j.LoggerFactory.getLogger(DropLog.class));

  private static final Capabilities ALL =
      new Capabilities(
          Capabilities.VERSION,
          7,
          Set.of(Capabilities.CHAIN, Capabilities.STREAM, Capabilities.CHUNK));

  /** One caller side and its remote. */
  private static final class Fixture {
    final ManualTimer timer = new ManualTimer();
    final RecordingLink link;
    final OutgoingCalls calls;
    final RemoteLink remote;
    final PeerResources threads;

    /** The peer's shutdown, never idle here (so it never closes anything). */
    final Drain drain = new Drain("test", () -> 1, () -> {});

    Fixture(Limits limits) {
      this(limits, ALL, Runnable::run);
    }

    Fixture(Limits limits, Capabilities remoteCapabilities) {
      this(limits, remoteCapabilities, Runnable::run);
    }

    Fixture(Limits limits, Capabilities remoteCapabilities, Executor callbacks) {
      PeerConfig config =
          new PeerConfig(
              "test",
              null,
              URI.create("inproc://test"),
              false,
              new MsgpackCodec(),
              Ordering.NONE,
              limits,
              Runnable::run,
              callbacks,
              timer,
              null,
              null,
              Duration.ofSeconds(1),
              List.of(),
              List.of(),
              false,
              false,
              16,
              1 << 20,
              1 << 20,
              null);
      threads = new PeerResources(config, "test", 16);
      ChunkTransfers chunks =
          new ChunkTransfers(
              "test",
              config.chunkSize(),
              limits,
              timer,
              (r, h, e) -> {},
              (r, h, size) -> {},
              () -> {});
      calls =
          new OutgoingCalls(
              "test",
              DROPS,
              config,
              threads,
              new Interceptors(List.of()),
              chunks,
              new StreamRouting("test", DROPS, config, threads.callbacks),
              () -> false,
              drain);
      link = new RecordingLink(remoteCapabilities);
      remote = new RemoteLink(calls, link);
    }

    CallRequest request(Duration timeout, ServerCall parent) {
      return new CallRequest(
          remote,
          "m",
          OrderKey.of("k"),
          timeout,
          false,
          Payload.wrap(new byte[] {(byte) 0xc0}),
          null,
          parent,
          0,
          Metadata.EMPTY,
          false);
    }
  }

  private final Fixture fixture = new Fixture(Limits.defaults());
  private final ManualTimer timer = fixture.timer;
  private final RecordingLink link = fixture.link;
  private final OutgoingCalls calls = fixture.calls;
  private final RemoteLink remote = fixture.remote;

  private CallRequest request(Duration timeout, ServerCall parent) {
    return fixture.request(timeout, parent);
  }

  private static Envelope reply(Header call, MessageType type) {
    return new Envelope(
        MessageCodec.encodeHeader(call.reply(type)),
        MessageCodec.encodeBody(
            MessageCodec.EMPTY_ARRAY_META,
            type == MessageType.RESULT ? new byte[] {1} : null,
            false));
  }

  private static Throwable failure(CompletableFuture<?> f) {
    assertTrue(f.isDone());
    try {
      f.get();
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("completed normally: " + f.join());
  }

  @Test
  void aReplySettlesItsCallOnce_andItsTableEntryGoes() throws Exception {
    CompletableFuture<Payload> f = calls.invoke(request(null, null));
    Header function = link.last();
    assertEquals(MessageType.FUNCTION, function.type());
    assertEquals(1, remote.pending.size());
    assertEquals(1, calls.entries());
    Envelope result = reply(function, MessageType.RESULT);
    calls.received(remote, MessageCodec.decodeHeader(result.header(), 1024, 32), result);
    assertEquals(1, f.join().bytes()[0]);
    calls.received(
        remote,
        MessageCodec.decodeHeader(result.header(), 1024, 32),
        result); // a second one: ignored
    assertEquals(0, calls.entries());
    assertTrue(remote.pending.isEmpty());
  }

  @Test
  void aTimeoutFailsTheCallAndSendsCancel_onTheManualClock() throws Exception {
    CompletableFuture<Payload> f = calls.invoke(request(Duration.ofSeconds(5), null));
    timer.advance(Duration.ofMillis(4_999));
    assertTrue(!f.isDone(), "not before its time");
    timer.advance(Duration.ofMillis(1));
    assertInstanceOf(CallTimeoutException.class, failure(f));
    assertEquals(MessageType.CANCEL, link.last().type());
    assertEquals(0, calls.entries());
    assertEquals(0, timer.scheduled());
  }

  @Test
  void theCalleesDeadlineReply_failsTheCallAsItsOwnTimeoutWould() throws Exception {
    // The callee stops at the deadline the call carried, and its ERROR may come before this side's
    // timer fires: the caller sees the same timeout either way.
    CompletableFuture<Payload> f = calls.invoke(request(Duration.ofMillis(100), null));
    Header call = link.last();
    Envelope deadline =
        new Envelope(
            MessageCodec.encodeHeader(call.reply(MessageType.ERROR)),
            MessageCodec.encodeBody(
                MessageCodec.encodeErrorMeta(
                    ErrorNames.DEADLINE_EXCEEDED, "the call's deadline of 100 ms passed", ""),
                null,
                false));
    calls.received(remote, MessageCodec.decodeHeader(deadline.header(), 1024, 32), deadline);
    Throwable e = failure(f);
    assertInstanceOf(CallTimeoutException.class, e);
    assertEquals("call of " + call.method() + " timed out after 100 ms", e.getMessage());
    assertTrue(((CallTimeoutException) e).isRemote(), "the callee saw it first");
    assertEquals(0, timer.scheduled(), "its own timer is cancelled");
  }

  @Test
  void aReplyCancelsTheTimeout() throws Exception {
    CompletableFuture<Payload> f = calls.invoke(request(Duration.ofSeconds(5), null));
    Envelope result = reply(link.last(), MessageType.RESULT);
    calls.received(remote, MessageCodec.decodeHeader(result.header(), 1024, 32), result);
    f.join();
    assertEquals(0, timer.scheduled());
  }

  @Test
  void cancellingTheFutureSendsCancelOnce() throws Exception {
    CompletableFuture<Payload> f = calls.invoke(request(Duration.ofSeconds(5), null));
    assertTrue(f.cancel(true));
    assertEquals(MessageType.CANCEL, link.last().type());
    assertEquals(0, timer.scheduled(), "its timeout is cancelled with it");
    int sent = link.sent.size();
    timer.advance(Duration.ofSeconds(10));
    assertEquals(sent, link.sent.size(), "the timeout does not send a second CANCEL");
    assertEquals(0, calls.entries());
  }

  @Test
  void whileThisPeerShutsDownNewCallsAreRefused_andCallsInFlightStillSettle() throws Exception {
    CompletableFuture<Payload> inFlight = calls.invoke(request(null, null));
    Header function = link.last();
    assertTrue(fixture.drain.start());
    Throwable refused = failure(calls.invoke(request(null, null)));
    assertInstanceOf(ShuttingDownException.class, refused);
    assertEquals(ErrorCode.SHUTTING_DOWN, ((ShuttingDownException) refused).code());
    assertFalse(((ShuttingDownException) refused).isRemote(), "decided here");
    assertEquals(1, link.sent.size(), "the refused call sent nothing");
    Envelope result = reply(function, MessageType.RESULT);
    calls.received(remote, MessageCodec.decodeHeader(result.header(), 1024, 32), result);
    assertEquals(1, inFlight.join().bytes()[0]);
    assertEquals(0, calls.entries());
  }

  @Test
  void aRemoteThatSaidItShutsDownIsSentNoNewCall() {
    remote.shuttingDown = true;
    Throwable refused = failure(calls.invoke(request(null, null)));
    assertInstanceOf(ShuttingDownException.class, refused);
    assertTrue(((ShuttingDownException) refused).isRemote(), "the remote said so");
    assertEquals(0, link.sent.size());
    assertEquals(0, calls.entries());
  }

  @Test
  void callsBeyondMaxPendingCallsAreRefusedLocally() {
    Fixture one = new Fixture(Limits.builder().maxPendingCalls(1).build());
    one.calls.invoke(one.request(null, null));
    Throwable e = failure(one.calls.invoke(one.request(null, null)));
    assertInstanceOf(OverloadedException.class, e);
    assertEquals(1, one.link.sent.size(), "the refused call sent nothing");
  }

  @Test
  void aDisconnectFailsEveryPendingCall() {
    CompletableFuture<Payload> a = calls.invoke(request(null, null));
    CompletableFuture<Payload> b = calls.invoke(request(Duration.ofSeconds(5), null));
    remote.connected = false;
    calls.disconnected(remote, new ConnectionLostException("gone"));
    assertInstanceOf(ConnectionLostException.class, failure(a));
    assertInstanceOf(ConnectionLostException.class, failure(b));
    assertEquals(0, calls.entries());
    assertEquals(0, timer.scheduled());
    assertInstanceOf(
        ConnectionLostException.class,
        failure(calls.invoke(request(null, null))),
        "and no call is made to it after");
  }

  @Test
  void aCallbackNamesItsParentAsAnAncestorOnlyWhileItIsInFlight() throws Exception {
    Header served =
        new Header(MessageType.FUNCTION, "outer", OrderKey.of("k"), 77, false, List.of());
    ServerCall parent =
        new ServerCall(
            remote,
            served,
            List.of(),
            (ctx, body) -> null,
            new byte[] {(byte) 0xc0},
            0,
            0,
            null,
            null,
            Metadata.EMPTY,
            0,
            timer);
    CompletableFuture<Payload> f = calls.invoke(request(null, parent));
    Header callback = link.last();
    assertEquals(1, callback.chain().size(), "the callback carries its own entry");
    CallId id = callback.chain().get(0);
    assertEquals(callback.seq(), id.seq());
    assertEquals(List.of(parent), calls.ancestorsOf(callback.chain()));
    assertEquals(
        List.of(),
        calls.ancestorsOf(List.of(new CallId(id.instance() + 1, id.seq()))),
        "a guessed token names nothing");
    assertEquals(
        List.of(),
        calls.ancestorsOf(List.of(new CallId(id.instance(), (id.seq() + 1) & Header.MAX_SEQ))),
        "nor another seq");
    Envelope result = reply(callback, MessageType.RESULT);
    calls.received(remote, MessageCodec.decodeHeader(result.header(), 1024, 32), result);
    f.join();
    assertEquals(List.of(), calls.ancestorsOf(callback.chain()), "settled: no longer an ancestor");
    assertEquals(0, calls.entries());
  }

  @Test
  void chainsLongerThanMaxCallChainKeepTheirMostRecentEntries() throws Exception {
    Fixture short2 = new Fixture(Limits.builder().maxCallChain(2).build());
    List<CallId> arrived = List.of(new CallId(1, 1), new CallId(2, 2));
    Header served = new Header(MessageType.FUNCTION, "outer", OrderKey.of("k"), 77, false, arrived);
    ServerCall parent =
        new ServerCall(
            short2.remote,
            served,
            arrived,
            (ctx, body) -> null,
            new byte[] {(byte) 0xc0},
            0,
            0,
            null,
            null,
            Metadata.EMPTY,
            0,
            short2.timer);
    short2.calls.invoke(short2.request(null, parent));
    List<CallId> sent = short2.link.last().chain();
    assertEquals(2, sent.size());
    assertEquals(new CallId(2, 2), sent.get(0), "the oldest entry is dropped");
    assertEquals(short2.link.last().seq(), sent.get(1).seq(), "the callback's own entry is last");
  }

  @Test
  void theChainIsSentOnlyToRemotesThatAnnouncedIt() throws Exception {
    Fixture legacy = new Fixture(Limits.defaults(), Capabilities.LEGACY);
    Header served =
        new Header(MessageType.FUNCTION, "outer", OrderKey.of("k"), 77, false, List.of());
    ServerCall parent =
        new ServerCall(
            legacy.remote,
            served,
            List.of(),
            (ctx, body) -> null,
            new byte[] {(byte) 0xc0},
            0,
            0,
            null,
            null,
            Metadata.EMPTY,
            0,
            legacy.timer);
    legacy.calls.invoke(legacy.request(null, parent));
    assertEquals(List.of(), legacy.link.last().chain());
    assertEquals(
        1, legacy.calls.entries(), "no callback token is kept for it: only the call is pending");
  }

  /**
   * A caller side with the peer's own callback executor (the one whose completions go to a thread
   * blocked waiting), which is closed after the test.
   */
  private static final class OwnPool implements AutoCloseable {
    final Fixture fixture = new Fixture(Limits.defaults(), ALL, null);

    /** Delivers the RESULT of the last call sent, as the I/O thread would. */
    void reply() throws BadMessageException {
      Envelope result = OutgoingCallsTest.reply(fixture.link.last(), MessageType.RESULT);
      fixture.calls.received(
          fixture.remote, MessageCodec.decodeHeader(result.header(), 1024, 32), result);
    }

    @Override
    public void close() {
      fixture.threads.close();
    }
  }

  /** The thread that completes {@code f} (where code chained on it runs). */
  private static CompletableFuture<Thread> completer(CompletableFuture<?> f) {
    return f.handle((v, e) -> Thread.currentThread());
  }

  /** Waits (bounded) until {@code t} is parked waiting for {@code f}. */
  private static void awaitBlockedOn(Thread t, Object f) {
    Await.until(
        "the caller waits for its call",
        () -> LockSupport.getBlocker(t) == f,
        () -> "the caller never waited: " + t.getState());
  }

  @Test
  void aCallerBlockedInGetTakesItsOwnReply_withoutACallbackTask() throws Exception {
    try (OwnPool c = new OwnPool()) {
      CompletableFuture<Payload> f = c.fixture.calls.invoke(c.fixture.request(null, null));
      CompletableFuture<Thread> completedOn = completer(f);
      AtomicReference<Object> got = new AtomicReference<>();
      Thread caller = new Thread(() -> got.set(f.join().bytes()[0]), "caller");
      caller.start();
      awaitBlockedOn(caller, f);
      c.reply();
      caller.join(10_000);
      assertEquals((byte) 1, got.get());
      assertEquals(
          caller,
          completedOn.get(10, TimeUnit.SECONDS),
          "the caller settled its call itself; chained code ran on it, not on the I/O thread");
      assertEquals(0, c.fixture.calls.entries());
    }
  }

  @Test
  void aPoolThreadWaitingForItsReply_letsTheTaskBehindItRun() throws Exception {
    // A handler that waits for a nested call's reply, with calls queued behind it: with a stall
    // time
    // of an hour, only the wait announced by the future lets another thread run them.
    BurstPool handlers =
        new BurstPool(
            4, TimeUnit.HOURS.toNanos(1), TimeUnit.HOURS.toNanos(1), Threads.daemonFactory("h"));
    try (OwnPool c = new OwnPool()) {
      CompletableFuture<Object> got = new CompletableFuture<>();
      handlers.execute(
          () -> {
            CompletableFuture<Payload> f = c.fixture.calls.invoke(c.fixture.request(null, null));
            handlers.execute(
                () -> {
                  try {
                    c.reply(); // the task behind the waiting one brings its reply
                  } catch (BadMessageException e) {
                    got.completeExceptionally(e);
                  }
                });
            try {
              got.complete(f.get(10, TimeUnit.SECONDS).bytes()[0]);
            } catch (InterruptedException | ExecutionException | TimeoutException e) {
              got.completeExceptionally(e);
            }
          });
      assertEquals((byte) 1, got.get(20, TimeUnit.SECONDS));
    } finally {
      handlers.shutdownNow();
    }
  }

  @Test
  void withNobodyWaiting_theCallbackExecutorSettles() throws Exception {
    try (OwnPool c = new OwnPool()) {
      CompletableFuture<Payload> f = c.fixture.calls.invoke(c.fixture.request(null, null));
      CompletableFuture<Thread> completedOn = completer(f);
      c.reply();
      assertTrue(completedOn.get(10, TimeUnit.SECONDS).getName().startsWith("callosum-test"));
      assertEquals(1, f.join().bytes()[0]);
    }
  }

  @Test
  void aSuppliedCallbackExecutor_completesEveryCall_evenOneAThreadWaitsFor() throws Exception {
    // A supplied executor (here: inline) keeps the order replies arrive in.
    CompletableFuture<Payload> f = calls.invoke(request(null, null));
    CompletableFuture<Thread> completedOn = completer(f);
    Thread caller = new Thread(f::join, "caller");
    caller.start();
    awaitBlockedOn(caller, f);
    Envelope result = reply(link.last(), MessageType.RESULT);
    calls.received(remote, MessageCodec.decodeHeader(result.header(), 1024, 32), result);
    assertEquals(Thread.currentThread(), completedOn.get(10, TimeUnit.SECONDS));
    caller.join(10_000);
  }

  @Test
  void aCallerThatStoppedWaiting_leavesTheSettlementToTheCallbackExecutor() throws Exception {
    try (OwnPool c = new OwnPool()) {
      CompletableFuture<Payload> f = c.fixture.calls.invoke(c.fixture.request(null, null));
      CompletableFuture<Thread> completedOn = completer(f);
      assertThrowsTimeout(f);
      AtomicReference<Throwable> interrupted = new AtomicReference<>();
      Thread caller =
          new Thread(
              () -> {
                try {
                  f.get();
                } catch (InterruptedException | ExecutionException e) {
                  interrupted.set(e);
                }
              },
              "caller");
      caller.start();
      awaitBlockedOn(caller, f);
      caller.interrupt();
      caller.join(10_000);
      assertInstanceOf(InterruptedException.class, interrupted.get());
      c.reply();
      assertTrue(
          completedOn.get(10, TimeUnit.SECONDS).getName().startsWith("callosum-test"),
          "nobody waits any more: the executor settles");
      assertEquals(1, f.join().bytes()[0]);
    }
  }

  private static void assertThrowsTimeout(CompletableFuture<Payload> f) throws Exception {
    try {
      f.get(1, TimeUnit.MILLISECONDS);
      throw new AssertionError("completed without a reply");
    } catch (TimeoutException expected) {
      // the timed wait ended and left nothing registered
    }
  }

  @Test
  void aWaiterIsWokenWhenTheFutureCompletesAnotherWay() throws Exception {
    try (OwnPool c = new OwnPool()) {
      CompletableFuture<Payload> f = c.fixture.calls.invoke(c.fixture.request(null, null));
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread caller =
          new Thread(
              () -> {
                try {
                  f.join();
                } catch (RuntimeException e) {
                  failure.set(e);
                }
              },
              "caller");
      caller.start();
      awaitBlockedOn(caller, f);
      assertTrue(f.cancel(true));
      caller.join(10_000);
      assertTrue(!caller.isAlive(), "the waiter was woken by the cancel");
      assertInstanceOf(java.util.concurrent.CancellationException.class, failure.get());
    }
  }

  // ---------------------------------------------------------------- deadlines and metadata

  private static final Capabilities EXTRAS =
      new Capabilities(
          Capabilities.VERSION,
          8,
          Set.of(Capabilities.CHAIN, Capabilities.METADATA, Capabilities.DEADLINE));

  /** A call being served by {@code f}'s peer since now, with {@code deadlineMillis} (0: none). */
  private static ServerCall served(Fixture f, long deadlineMillis) {
    return new ServerCall(
        f.remote,
        new Header(MessageType.FUNCTION, "outer", OrderKey.of("k"), 77, false, List.of()),
        List.of(),
        (ctx, body) -> null,
        new byte[] {(byte) 0xc0},
        f.timer.nanoTime(),
        0,
        null,
        null,
        Metadata.EMPTY,
        deadlineMillis,
        f.timer);
  }

  @Test
  void aCallCarriesItsTimeoutAsItsDeadline_roundedUpToMilliseconds() throws Exception {
    Fixture f = new Fixture(Limits.defaults(), EXTRAS);
    f.calls.invoke(f.request(Duration.ofNanos(2_500_001), null));
    assertEquals(3, f.link.last().deadlineMillis());
    f.calls.invoke(f.request(null, null));
    assertEquals(0, f.link.last().deadlineMillis(), "no timeout: no deadline");
    f.calls.invoke(f.request(Duration.ofDays(30), null));
    assertEquals(0, f.link.last().deadlineMillis(), "beyond the longest deadline: sent as none");
  }

  @Test
  void aNestedCallInheritsTheShorterDeadline_andTimesOutWithIt() throws Exception {
    Fixture f = new Fixture(Limits.defaults(), EXTRAS);
    ServerCall parent = served(f, 500);
    f.timer.advance(Duration.ofMillis(100));
    CompletableFuture<Payload> longer = f.calls.invoke(f.request(Duration.ofSeconds(10), parent));
    assertEquals(400, f.link.last().deadlineMillis(), "the parent's 400 ms left, not 10 s");
    CompletableFuture<Payload> shorter = f.calls.invoke(f.request(Duration.ofMillis(50), parent));
    assertEquals(50, f.link.last().deadlineMillis(), "its own, shorter timeout");
    CompletableFuture<Payload> none = f.calls.invoke(f.request(null, parent));
    assertEquals(400, f.link.last().deadlineMillis(), "no timeout of its own: the parent's");
    f.timer.advance(Duration.ofMillis(50));
    assertInstanceOf(CallTimeoutException.class, failure(shorter));
    f.timer.advance(Duration.ofMillis(349));
    assertTrue(!longer.isDone() && !none.isDone(), "not before the parent's deadline");
    f.timer.advance(Duration.ofMillis(1));
    Throwable e = failure(longer);
    assertInstanceOf(CallTimeoutException.class, e);
    assertTrue(e.getMessage().contains("the deadline of the call it was made from"), e::toString);
    assertInstanceOf(CallTimeoutException.class, failure(none));
    assertEquals(0, f.calls.entries());
  }

  @Test
  void aCallFromAServedCallPastItsDeadlineIsNotSent() throws Exception {
    Fixture f = new Fixture(Limits.defaults(), EXTRAS);
    ServerCall parent = served(f, 20);
    f.timer.advance(Duration.ofMillis(20));
    int sent = f.link.sent.size();
    Throwable e = failure(f.calls.invoke(f.request(Duration.ofSeconds(1), parent)));
    assertInstanceOf(CallTimeoutException.class, e);
    assertTrue(e.getMessage().contains("outer"), e::toString);
    assertEquals(sent, f.link.sent.size(), "nothing was sent");
    assertEquals(0, f.calls.entries());
  }

  @Test
  void metadataAndDeadlinesReachOnlyRemotesThatAnnouncedThem() throws Exception {
    Fixture legacy = new Fixture(Limits.defaults(), Capabilities.LEGACY);
    CallRequest r = legacy.request(Duration.ofSeconds(1), null);
    CompletableFuture<Payload> sent =
        legacy.calls.invoke(withMetadata(r, Metadata.of("tenant", "acme")));
    assertTrue(!sent.isDone(), () -> "sent: " + sent);
    Header h = legacy.link.last();
    assertEquals(Metadata.EMPTY, h.metadata());
    assertEquals(0, h.deadlineMillis());
    assertEquals(
        List.of("type", "meth", "okey", "seq", "zip"),
        List.copyOf(keysOf(legacy.link.sent.get(legacy.link.sent.size() - 1).header())));

    Fixture modern = new Fixture(Limits.defaults(), EXTRAS);
    Metadata md = Metadata.builder().put("tenant", "acme").put("token", new byte[] {1, 2}).build();
    modern.calls.invoke(withMetadata(modern.request(Duration.ofSeconds(1), null), md));
    assertEquals(md, modern.link.last().metadata());
    assertEquals(1000, modern.link.last().deadlineMillis());
  }

  @Test
  void metadataOverTheLimitsFailsTheCallLocally_namingTheLimit() throws Exception {
    Fixture f =
        new Fixture(Limits.builder().maxMetadataEntries(2).maxMetadataSize(64).build(), EXTRAS);
    Metadata three = Metadata.builder().put("a", "1").put("b", "2").put("c", "3").build();
    Throwable e = failure(f.calls.invoke(withMetadata(f.request(null, null), three)));
    assertInstanceOf(MessageTooLargeException.class, e);
    assertTrue(e.getMessage().contains("Limits.maxMetadataEntries"), e::toString);
    Metadata big = Metadata.of("a", "x".repeat(100));
    e = failure(f.calls.invoke(withMetadata(f.request(null, null), big)));
    assertTrue(e.getMessage().contains("Limits.maxMetadataSize"), e::toString);
    assertEquals(0, f.link.sent.size(), "nothing was sent");
    assertEquals(0, f.calls.entries());
  }

  private static CallRequest withMetadata(CallRequest r, Metadata md) {
    return new CallRequest(
        r.target(),
        r.method(),
        r.orderKey(),
        r.timeout(),
        r.compress(),
        r.body(),
        r.resultType(),
        r.parent(),
        r.streams(),
        md,
        false);
  }

  private static Set<Object> keysOf(byte[] header) {
    @SuppressWarnings("unchecked")
    Map<Object, Object> m = (Map<Object, Object>) new MsgpackCodec().decode(header, Object.class);
    return m.keySet();
  }
}
