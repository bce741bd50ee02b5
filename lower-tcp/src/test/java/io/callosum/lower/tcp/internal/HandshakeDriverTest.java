package io.callosum.lower.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.testing.Await;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The handshake driver alone: a scripted security layer, pools whose tasks the test runs by hand,
 * and an I/O thread that is the test's own queue of posted tasks.
 */
class HandshakeDriverTest {
  private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(5);

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A client says "hello", is answered "welcome", says "initiate", is answered "ready". The server
   * screens out "bad"; its step for "initiate" leaves a decision, which {@link #check} makes (it
   * may block), refusing with an "error" reply when the check says no. "boom" makes a step throw.
   */
  private static final class Scripted implements ConnectionSecurity {
    final boolean client;
    volatile Function<String, Boolean> check = name -> true;
    volatile CountDownLatch stepGate;
    final CountDownLatch inStep = new CountDownLatch(1);
    final AtomicInteger steps = new AtomicInteger();
    final AtomicInteger asked = new AtomicInteger();
    final AtomicInteger destroyed = new AtomicInteger();
    private boolean established;

    Scripted(boolean client) {
      this.client = client;
    }

    @Override
    public String mechanism() {
      return "SCRIPT";
    }

    @Override
    public List<byte[]> start() {
      return client ? List.of(bytes("hello")) : List.of();
    }

    @Override
    public List<byte[]> receive(byte[] frame) throws SecurityFailure {
      if (client) {
        return switch (text(frame)) {
          case "welcome" -> List.of(bytes("initiate"));
          case "ready" -> {
            established = true;
            yield List.of();
          }
          default ->
              throw new SecurityFailure(SecurityFailure.Kind.PROTOCOL, "unexpected " + text(frame));
        };
      }
      return handshakeStep(frame).complete();
    }

    @Override
    public void screen(byte[] frame) throws SecurityFailure {
      if (text(frame).equals("bad")) {
        throw new SecurityFailure(SecurityFailure.Kind.PROTOCOL, "malformed");
      }
    }

    @Override
    public Step handshakeStep(byte[] frame) throws SecurityFailure {
      steps.incrementAndGet();
      inStep.countDown();
      CountDownLatch gate = stepGate;
      if (gate != null) {
        try {
          gate.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return switch (text(frame)) {
        case "hello" -> new Step(List.of(bytes("welcome")), null);
        case "initiate" -> new Step(List.of(), decision("alice"));
        case "boom" -> throw new IllegalStateException("a local bug");
        default ->
            throw new SecurityFailure(SecurityFailure.Kind.PROTOCOL, "unexpected " + text(frame));
      };
    }

    private Decision decision(String name) {
      return new Decision() {
        private boolean allowed;

        @Override
        public void ask() {
          asked.incrementAndGet();
          allowed = check.apply(name);
        }

        @Override
        public List<byte[]> finish() throws SecurityFailure {
          if (!allowed) {
            throw new SecurityFailure(
                SecurityFailure.Kind.AUTHENTICATION, "key not allowed", bytes("error"));
          }
          established = true;
          return List.of(bytes("ready"));
        }
      };
    }

    @Override
    public boolean established() {
      return established;
    }

    @Override
    public String userId() {
      return established && !client ? "alice" : null;
    }

    @Override
    public byte[] seal(byte[] plaintext) {
      return ("sealed:" + text(plaintext)).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] open(byte[] frame) {
      return frame;
    }

    @Override
    public void destroy() {
      destroyed.incrementAndGet();
    }
  }

  /** Pools that hold their tasks until the test runs them; each takes at most {@code capacity}. */
  private static final class HeldPools implements HandshakeDriver.Pools {
    final ArrayDeque<Runnable> crypto = new ArrayDeque<>();
    final ArrayDeque<Runnable> decisions = new ArrayDeque<>();
    final List<InetAddress> released = new ArrayList<>();
    int capacity = 10;

    @Override
    public boolean step(Runnable task) {
      return crypto.size() < capacity && crypto.add(task);
    }

    @Override
    public boolean decide(Runnable task) {
      return decisions.size() < capacity && decisions.add(task);
    }

    @Override
    public void release(InetAddress source) {
      released.add(source);
    }
  }

  /** The connection side: what the driver reported, and the I/O thread's posted tasks. */
  private static final class Seen implements HandshakeDriver.Steps {
    final List<String> events = new ArrayList<>();
    final ArrayDeque<Runnable> posted = new ArrayDeque<>();

    @Override
    public synchronized void post(Runnable task) {
      posted.add(task);
    }

    synchronized Runnable nextPosted() {
      return posted.poll();
    }

    void runPosted() {
      Runnable r;
      while ((r = nextPosted()) != null) {
        r.run();
      }
    }

    @Override
    public void stepped(List<byte[]> replies, boolean established) {
      List<String> r = new ArrayList<>();
      replies.forEach(b -> r.add(text(b)));
      events.add("stepped " + r + (established ? " established" : ""));
    }

    @Override
    public void refused(SecurityFailure failure) {
      events.add(
          "refused "
              + failure.kind()
              + ": "
              + failure.getMessage()
              + (failure.reply() != null ? " reply " + text(failure.reply()) : ""));
    }

    @Override
    public void overrun(String reason) {
      events.add("overrun " + reason);
    }

    @Override
    public void dropped(String reason) {
      events.add("dropped " + reason);
    }
  }

  private final Seen seen = new Seen();
  private final HeldPools pools = new HeldPools();

  private HandshakeDriver server(Scripted security) {
    HandshakeDriver d = new HandshakeDriver(security, false, seen, 0, TIMEOUT);
    d.serve(pools, InetAddress.getLoopbackAddress());
    return d;
  }

  private static void runAll(ArrayDeque<Runnable> tasks) {
    Runnable r;
    while ((r = tasks.poll()) != null) {
      r.run();
    }
  }

  @Test
  void aClientTakesEachFrameOnTheIoThread() {
    Scripted s = new Scripted(true);
    HandshakeDriver d = new HandshakeDriver(s, true, seen, 0, TIMEOUT);
    assertEquals("hello", text(d.start().get(0)));
    d.frame(bytes("welcome"));
    d.frame(bytes("ready"));
    assertEquals(List.of("stepped [initiate]", "stepped [] established"), seen.events);
    d.frame(bytes("what"));
    assertEquals("refused PROTOCOL: unexpected what", seen.events.get(2));
  }

  @Test
  void aServerRunsOneStepAtATimeOnThePoolsAndTheOutcomeOnTheIoThread() {
    Scripted s = new Scripted(false);
    HandshakeDriver d = server(s);
    d.frame(bytes("hello"));
    d.frame(bytes("initiate"));
    assertEquals(1, pools.crypto.size(), "the second frame waits for the first step");
    runAll(pools.crypto);
    assertEquals(List.of(), seen.events, "the outcome is posted to the I/O thread");
    seen.runPosted();
    assertEquals(List.of("stepped [welcome]"), seen.events);
    assertEquals(1, pools.crypto.size(), "then the next frame's step");
    runAll(pools.crypto);
    seen.runPosted();
    assertEquals(0, s.asked.get(), "the decision waits for an authenticator thread");
    assertEquals(1, pools.decisions.size());
    runAll(pools.decisions);
    assertEquals(1, s.asked.get());
    seen.runPosted();
    assertEquals(List.of("stepped [welcome]", "stepped [ready] established"), seen.events);
    assertTrue(d.established());
    assertEquals("alice", d.userId());
  }

  @Test
  void aRefusalCarriesItsReply() {
    Scripted s = new Scripted(false);
    s.check = name -> false;
    HandshakeDriver d = server(s);
    d.frame(bytes("initiate"));
    runAll(pools.crypto);
    runAll(pools.decisions);
    seen.runPosted();
    assertEquals(List.of("refused AUTHENTICATION: key not allowed reply error"), seen.events);
  }

  @Test
  void screeningRefusesAMalformedFrameBeforeAnyStep() {
    Scripted s = new Scripted(false);
    HandshakeDriver d = server(s);
    d.frame(bytes("bad"));
    assertEquals(List.of("refused PROTOCOL: malformed"), seen.events);
    assertTrue(pools.crypto.isEmpty());
    assertEquals(0, s.steps.get());
  }

  @Test
  void moreThanTheQueuedFramesIsAnOverrun() {
    HandshakeDriver d = server(new Scripted(false));
    for (int i = 0; i <= HandshakeDriver.MAX_QUEUED; i++) {
      d.frame(bytes("hello"));
    }
    assertEquals(
        List.of(), seen.events, "one step running, " + HandshakeDriver.MAX_QUEUED + " queued");
    d.frame(bytes("hello"));
    assertEquals(List.of("overrun more than 4 handshake frames queued"), seen.events);
  }

  @Test
  void fullPoolsDropTheConnection() {
    pools.capacity = 0;
    HandshakeDriver d = server(new Scripted(false));
    d.frame(bytes("hello"));
    assertEquals(
        List.of("dropped the transport's handshake queue is full, or it is closing"), seen.events);

    pools.capacity = 1;
    Seen other = new Seen();
    HandshakeDriver e = new HandshakeDriver(new Scripted(false), false, other, 0, TIMEOUT);
    e.serve(pools, InetAddress.getLoopbackAddress());
    pools.decisions.add(() -> {});
    e.frame(bytes("initiate"));
    runAll(pools.crypto);
    other.runPosted();
    assertEquals(
        List.of("refused PROTOCOL: the transport's authenticator queue is full, or it is closing"),
        other.events);
  }

  @Test
  void faultsInAStepOrADecisionFailTheHandshakeAndSpareTheThread() {
    Scripted s = new Scripted(false);
    HandshakeDriver d = server(s);
    d.frame(bytes("boom"));
    runAll(pools.crypto);
    seen.runPosted();
    assertEquals(
        List.of("refused PROTOCOL: handshake failed: java.lang.IllegalStateException: a local bug"),
        seen.events);

    Scripted t = new Scripted(false);
    t.check =
        name -> {
          throw new IllegalArgumentException("authenticator bug");
        };
    Seen other = new Seen();
    HandshakeDriver e = new HandshakeDriver(t, false, other, 0, TIMEOUT);
    e.serve(pools, InetAddress.getLoopbackAddress());
    e.frame(bytes("initiate"));
    runAll(pools.crypto);
    runAll(pools.decisions);
    other.runPosted();
    assertEquals(
        List.of(
            "refused PROTOCOL: the admission check failed: java.lang.IllegalArgumentException:"
                + " authenticator bug"),
        other.events);
  }

  @Test
  void workOfAnEndedConnectionDoesNothing() {
    Scripted s = new Scripted(false);
    HandshakeDriver d = server(s);
    d.frame(bytes("hello"));
    d.end();
    runAll(pools.crypto);
    seen.runPosted();
    assertEquals(0, s.steps.get(), "no key agreement for a step that waited");
    assertEquals(List.of(), seen.events);

    Scripted t = new Scripted(false);
    HandshakeDriver e = new HandshakeDriver(t, false, seen, 0, TIMEOUT);
    e.serve(pools, InetAddress.getLoopbackAddress());
    e.frame(bytes("initiate"));
    runAll(pools.crypto);
    e.end();
    runAll(pools.decisions);
    seen.runPosted();
    assertEquals(0, t.asked.get(), "the authenticator is not asked for an ended connection");
    assertEquals(List.of(), seen.events);
  }

  @Test
  void theHandshakePlaceIsGivenBackOnce() {
    HandshakeDriver d = server(new Scripted(false));
    d.leave();
    d.end();
    assertEquals(List.of(InetAddress.getLoopbackAddress()), pools.released);
  }

  @Test
  void secretsAreWipedOnceByWhoeverHoldsTheLayerLast() throws Exception {
    Scripted s = new Scripted(false);
    HandshakeDriver d = server(s);
    s.stepGate = new CountDownLatch(1);
    d.frame(bytes("hello"));
    Runnable step = pools.crypto.poll();
    Thread handshakeThread = new Thread(step, "test-handshake");
    handshakeThread.start();
    assertTrue(s.inStep.await(10, TimeUnit.SECONDS));
    d.end();
    assertEquals(0, s.destroyed.get(), "ending does not wait for the step that holds the layer");
    s.stepGate.countDown();
    handshakeThread.join(TimeUnit.SECONDS.toMillis(10));
    assertFalse(handshakeThread.isAlive());
    Await.until("the step's thread wiped the secrets", () -> s.destroyed.get() == 1);
    d.end();
    assertEquals(1, s.destroyed.get(), "once");
  }

  @Test
  void nothingIsSealedOnceTheSecretsAreGone() {
    Scripted s = new Scripted(true);
    HandshakeDriver d = new HandshakeDriver(s, true, seen, 0, TIMEOUT);
    List<String> queued = new ArrayList<>();
    assertTrue(d.sealed(bytes("one"), b -> queued.add(text(b))));
    d.end();
    assertFalse(d.sealed(bytes("two"), b -> queued.add(text(b))));
    assertEquals(List.of("sealed:one"), queued);
    assertEquals(1, s.destroyed.get());
  }

  @Test
  void theDeadlineNamesWhatDidNotHappen() {
    HandshakeDriver client = new HandshakeDriver(new Scripted(true), true, seen, 100, TIMEOUT);
    assertNull(client.expired(100 + TIMEOUT, Connection.Phase.HANDSHAKE));
    assertEquals(
        "no TCP connection within 5000 ms",
        client.expired(101 + TIMEOUT, Connection.Phase.CONNECTING));
    assertEquals(
        "accepted, but sent no Callosum TCP preamble within 5000 ms (not a Callosum TCP peer, or"
            + " stalled)",
        client.expired(101 + TIMEOUT, Connection.Phase.PREAMBLE));
    assertEquals(
        "the SCRIPT security handshake did not complete within 5000 ms",
        client.expired(101 + TIMEOUT, Connection.Phase.HANDSHAKE));
    HandshakeDriver server = server(new Scripted(false));
    assertEquals(
        "no preamble within 5000 ms", server.expired(1 + TIMEOUT, Connection.Phase.PREAMBLE));
  }
}
