package io.callosum.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.ConnectedPeer;
import io.callosum.InternalEntries;
import io.callosum.Limits;
import io.callosum.OverloadedException;
import io.callosum.Peer;
import io.callosum.lower.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Fair shares between remotes, played with real peers over any lower: one client (the hog) fills
 * the server's handler slots and queue with slow calls, another (the victim) calls meanwhile. The
 * slow calls wait for a gate the test opens one permit at a time, so everything is asserted by
 * order and counts, never by time. A lower's test calls these with its own server and its two
 * clients, which must be different remotes to it (different connections, or identities).
 */
public final class SlotHog {
  /** The server's handler slots. */
  public static final int SLOTS = 2;

  private final Semaphore gate = new Semaphore(0, true); // fair: the oldest slow call goes first
  private final List<String> started = new CopyOnWriteArrayList<>();
  private final AtomicInteger admitted = new AtomicInteger();
  private final BoundPeer server;

  /**
   * {@code server} makes a started server from the builder options given to it; its handlers and
   * limits are set here.
   */
  private SlotHog(Function<UnaryOperator<BoundPeer.Builder>, BoundPeer> server, int queued) {
    CallInterceptor admissions =
        new CallInterceptor() {
          @Override
          public void started(CallInfo call) {
            admitted.incrementAndGet(); // the server makes no calls: these are the admitted ones
          }
        };
    this.server =
        server.apply(
            b ->
                b.limits(Limits.builder().maxConcurrentCalls(SLOTS).maxQueuedCalls(queued).build())
                    .interceptor(admissions));
    this.server.handle(
        "slow",
        (ctx, body) -> {
          started.add("hog");
          if (!gate.tryAcquire(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the gate never opened");
          }
          return "slow done";
        });
    this.server.handle(
        "quick",
        (ctx, body) -> {
          started.add("victim");
          return "quick done";
        });
  }

  /**
   * The hog has {@code SLOTS} calls running and 18 waiting when the victim makes two calls. Opening
   * the gate for one slow call frees one slot: both of the victim's calls run before any other of
   * the hog's (the freed slot goes to the remote running fewer calls). Without fair shares the
   * victim's calls would wait behind the hog's 18, and never run here.
   */
  public static void aSlotHogDoesNotStarveAnotherRemote(
      Function<UnaryOperator<BoundPeer.Builder>, BoundPeer> server,
      Function<BoundPeer, ConnectedPeer> hogClient,
      Function<BoundPeer, ConnectedPeer> victimClient)
      throws Exception {
    SlotHog s = new SlotHog(server, 100);
    ConnectedPeer hog = hogClient.apply(s.server);
    ConnectedPeer victim = victimClient.apply(s.server);
    List<CompletableFuture<Object>> hogCalls = s.call(hog, "slow", 20);
    Await.until("the hog's 20 calls are admitted, 2 running", () -> s.admitted.get() == 20);
    Await.until("2 run", () -> s.started.size() == SLOTS);
    List<CompletableFuture<Object>> victimCalls = s.call(victim, "quick", 2);
    Await.until("the victim's 2 calls are admitted too", () -> s.admitted.get() == 22);

    s.gate.release(1);
    for (CompletableFuture<Object> f : victimCalls) {
      assertEquals("quick done", Await.result(f), "the victim is served after one slow call");
    }
    Await.until("the next slow call starts", () -> s.started.size() == 5);
    assertEquals(
        List.of("hog", "hog", "victim", "victim", "hog"),
        s.started,
        "the freed slot went to the victim twice, then back to the hog");
    Await.until(
        "one slow call has completed (one permit)",
        () -> hogCalls.stream().filter(CompletableFuture::isDone).count() == 1);
    s.finish(hogCalls);
  }

  /**
   * The hog holds every slot and place in the queue (two running, four waiting) when the victim
   * calls: the hog's newest waiting call is cut with an "overloaded" error naming why, and the
   * victim's call takes its place and runs when the next slot frees, before the hog's other waiting
   * calls. Without fair shares the victim's call would be refused.
   */
  public static void aFullQueueCutsTheRemoteHoldingTheMost(
      Function<UnaryOperator<BoundPeer.Builder>, BoundPeer> server,
      Function<BoundPeer, ConnectedPeer> hogClient,
      Function<BoundPeer, ConnectedPeer> victimClient)
      throws Exception {
    SlotHog s = new SlotHog(server, 2 * SLOTS);
    ConnectedPeer hog = hogClient.apply(s.server);
    ConnectedPeer victim = victimClient.apply(s.server);
    List<CompletableFuture<Object>> hogCalls = s.call(hog, "slow", 3 * SLOTS);
    Await.until("the hog's calls are admitted: full", () -> s.admitted.get() == 3 * SLOTS);
    Await.until("2 run", () -> s.started.size() == SLOTS); // admitted is before a handler starts
    CompletableFuture<Object> victimCall = s.call(victim, "quick", 1).get(0);
    Throwable cut = Await.failure(hogCalls.get(hogCalls.size() - 1));
    assertInstanceOf(OverloadedException.class, cut);
    assertTrue(
        cut.getMessage().contains("cut from the queue for a call of another remote"),
        cut.getMessage());
    s.gate.release(1);
    assertEquals("quick done", Await.result(victimCall));
    assertEquals(List.of("hog", "hog", "victim"), List.copyOf(s.started).subList(0, 3));
    s.finish(hogCalls.subList(0, hogCalls.size() - 1));
  }

  /**
   * A started client of {@code server} over {@code transport}, its calls bounded by {@link
   * Await#LIMIT}, closed by {@code closer}: for the tests that hand clients to these scenarios.
   */
  public static ConnectedPeer client(Closer closer, Transport transport, Peer server) {
    return closer.later(
        Peer.builder()
            .transport(transport)
            .connect(server.address())
            .defaultTimeout(Await.LIMIT)
            .build()
            .start());
  }

  private List<CompletableFuture<Object>> call(ConnectedPeer client, String method, int n) {
    List<CompletableFuture<Object>> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      calls.add(client.invoke(method, i));
    }
    return calls;
  }

  /** Opens the gate for every slow call left; they all complete and the server is idle. */
  private void finish(List<CompletableFuture<Object>> hogCalls) throws Exception {
    gate.release(hogCalls.size());
    for (CompletableFuture<Object> f : hogCalls) {
      assertEquals("slow done", Await.result(f));
    }
    Await.until("the server holds nothing", () -> InternalEntries.of(server) == 0);
  }
}
