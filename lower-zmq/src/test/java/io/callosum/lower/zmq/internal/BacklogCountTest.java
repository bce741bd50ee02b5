package io.callosum.lower.zmq.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.zmq.ZmqOptions;
import io.callosum.testing.Await;
import io.callosum.testing.LinkRecorder;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A link's count of the messages that wait beyond its socket ({@link ZmqLink#backlogFull}, what a
 * broadcast sender over links holds back on), over real endpoints whose remote stops reading, with
 * a high-water mark small enough to be reached: the count reaches half the mark while messages wait
 * in the endpoint's backlog, counts each one kept there, and is back at 0 once they went on,
 * whichever way (sent when the remote reads again, or dropped with the remote or its link).
 *
 * <p>The remote stops reading while its loop is held. Over loopback TCP the kernel's socket buffers
 * (autotuned, up to tens of MB) and jeromq's I/O threads take messages on their own time: a backlog
 * fills while they lag and drains as they catch up, and nothing tells when they will take no more
 * but that nothing moved for a while (the link's stall time). Over {@code inproc://} one pipe runs
 * from socket to socket, so with the remote reading nothing nothing moves at all: counts are exact,
 * and a backlog dropped with its remote still holds what it held.
 */
class BacklogCountTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final int MARK = 8;
  private static final int FULL_AT = MARK / 2;

  /** Large: loopback's socket buffers then hold a few dozen messages, not thousands. */
  private static final byte[] BODY = new byte[1 << 20];

  /** At most this many messages go before the mark must have been reached. */
  private static final int MAX_SENDS = 128;

  /** A stall time (the heartbeat interval) and a timeout longer than any test: no PINGs. */
  private static final ZmqOptions OPTIONS =
      ZmqOptions.defaults()
          .withHighWaterMark(MARK)
          .withHeartbeat(Duration.ofMinutes(1), Duration.ofMinutes(2));

  /**
   * A stall time short enough to see that nothing moves any more, and a heartbeat tick (which tries
   * the backlogs again) as often; still no PINGs.
   */
  private static final ZmqOptions STALLING =
      OPTIONS.withHeartbeat(Duration.ofMillis(300), Duration.ofMinutes(2));

  private static final TransportConfig CONFIG =
      new TransportConfig(Capabilities.LEGACY, 4 << 20, Duration.ofSeconds(5));

  /** How the two ends are connected. */
  enum Wire {
    /** Loopback, each end on a context of its own. */
    TCP,
    /** One context's {@code inproc://} pipe, each end on a loop of its own. */
    INPROC
  }

  // ------------------------------------------------------------------ sent once the remote reads

  @ParameterizedTest
  @EnumSource(Wire.class)
  void serverToAClientThatStopsReading_fullWhileItsMessagesWait_andZeroOnceAllArrived(Wire wire)
      throws Exception {
    stopsReadingThenReads(wire, Pair::server, MARK - FULL_AT); // one more, and it is cut off
  }

  @ParameterizedTest
  @EnumSource(Wire.class)
  void clientToAServerThatStopsReading_fullWhileItsMessagesWait_andZeroOnceAllArrived(Wire wire)
      throws Exception {
    stopsReadingThenReads(wire, Pair::client, MARK); // not cut off: its messages stall no minute
  }

  /**
   * The remote stops reading: the sender's count is full while its messages wait (over {@code
   * inproc://}: exactly what its backlog holds, also with {@code more} messages past full); then
   * the remote reads again, gets every message in order, and nothing is counted any more.
   */
  private static void stopsReadingThenReads(Wire wire, Function<Pair, Sender> side, int more)
      throws Exception {
    try (Pair p = new Pair(wire, OPTIONS, OPTIONS)) {
      Sender s = side.apply(p);
      int sent;
      try (HeldLoop remote = new HeldLoop(s.remote().loop)) {
        sent = wire == Wire.INPROC ? eachOneMoreCounts(s, fillExactly(s), more) : fill(s);
      }
      assertAllArrivedAndNothingWaits(s, sent);
      assertFalse(s.local().events.contains("disconnected"), s.local().events::toString);
    }
  }

  /** Which end sends, with its endpoint. */
  enum Side {
    SERVER,
    CLIENT;

    Sender sender(Pair p) {
      return this == SERVER ? p.server() : p.client();
    }

    LoopSocket endpoint(Pair p) {
      return this == SERVER ? p.server : p.client;
    }
  }

  /**
   * The remote reads again, and the signal its pipe sends the sender for the room it made is taken
   * by a look at the sender's socket before the sender serves it (as the look for messages after a
   * backlog's last failed send may): the backlog goes on all the same, soon, not at the next
   * heartbeat tick (a minute here).
   */
  @ParameterizedTest
  @EnumSource(Side.class)
  void aBacklogGoesOnThoughTheSignalOfThePipesRoomWasTaken(Side side) throws Exception {
    try (Pair p = new Pair(Wire.INPROC, OPTIONS, OPTIONS)) {
      Sender s = side.sender(p);
      int sent;
      HeldLoop local;
      try (HeldLoop remote = new HeldLoop(s.remote().loop)) {
        sent = fillExactly(s);
        local = new HeldLoop(s.loop()); // before the remote reads again
      }
      int inPipe = sent - FULL_AT;
      try (local) {
        List<Integer> numbers = s.atRemote().numbers;
        Await.until(
            "the remote read what its pipe held",
            () -> numbers.size() >= inPipe,
            () -> numbers.size() + " of " + inPipe);
        // behind the hold: takes the signal of the pipe's room, as a look at the socket does
        assertTrue(s.loop().post(() -> side.endpoint(p).hasInput()), "the loop runs");
      }
      assertAllArrivedAndNothingWaits(s, sent);
    }
  }

  /** Envelopes handed to a busy loop (its {@link SendQueue}) wait for their link until sent. */
  @Test
  void envelopesHandedToABusyLoopCountUntilItSendsThem() throws Exception {
    try (Pair p = new Pair(Wire.TCP, OPTIONS, OPTIONS)) {
      Sender s = p.client();
      try (HeldLoop client = new HeldLoop(s.loop())) {
        for (int i = 0; i < FULL_AT; i++) {
          s.link().send(message(i));
        }
        assertEquals(FULL_AT, s.link().waiting(), "handed to the client's loop, not sent");
        assertTrue(s.link().backlogFull(BODY.length), "full while they wait for the loop");
      }
      assertAllArrivedAndNothingWaits(s, FULL_AT);
    }
  }

  // ------------------------------------------------------------------ dropped with their remote

  /** How an end lets go of its link while half the mark of messages wait for the other. */
  enum LetGo {
    SERVER_CLOSES_THE_LINK,
    SERVER_CLOSES,
    CLIENT_CLOSES_THE_LINK,
    CLIENT_CLOSES;

    /** The end that lets go, the sender. */
    Sender side(Pair p) {
      return this == SERVER_CLOSES_THE_LINK || this == SERVER_CLOSES ? p.server() : p.client();
    }

    void letGo(Pair p) {
      switch (this) {
        case SERVER_CLOSES_THE_LINK -> p.toClient.close();
        case SERVER_CLOSES -> p.server.close();
        case CLIENT_CLOSES_THE_LINK -> p.toServer.close();
        case CLIENT_CLOSES -> p.client.close();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(LetGo.class)
  void messagesWaitingWhenAnEndLetsGoOfItsLink_countAsMoved(LetGo letGo) throws Exception {
    try (Pair p = new Pair(Wire.INPROC, OPTIONS, OPTIONS)) {
      Sender s = letGo.side(p);
      try (HeldLoop remote = new HeldLoop(s.remote().loop)) {
        fillExactly(s);
        letGo.letGo(p);
        assertLostWithNothingWaiting(s);
      }
    }
  }

  /**
   * The server disconnects a client with the high-water mark of messages in its backlog: the
   * message past the mark is not kept, and the mark's worth is dropped.
   */
  @Test
  void aClientCutOffForNotReading_leavesNothingCounted() throws Exception {
    try (Pair p = new Pair(Wire.INPROC, OPTIONS, OPTIONS);
        HeldLoop client = new HeldLoop(p.client.loop)) {
      Sender s = p.server();
      int sent = eachOneMoreCounts(s, fillExactly(s), MARK - FULL_AT);
      assertFalse(s.local().events.contains("disconnected"), "still connected at the mark");
      s.link().send(message(sent));
      settle(s.loop()); // and with it the disconnect it asked for
      assertLostWithNothingWaiting(s);
    }
  }

  /**
   * A client with the high-water mark of messages in its backlog for a server that does not read
   * (one that kept calling and never read the replies would grow it without end): once none moved
   * for the stall time, the next message cuts the link, as a server does with a client; nothing
   * stays counted or held.
   */
  @Test
  void aServerCutOffForNotReading_leavesNothingCountedOrHeld() throws Exception {
    try (Pair p = new Pair(Wire.INPROC, STALLING, STALLING);
        HeldLoop server = new HeldLoop(p.server.loop)) {
      Sender s = p.client();
      int sent = eachOneMoreCounts(s, fillExactly(s), MARK - FULL_AT);
      assertFalse(s.local().events.contains("disconnected"), "not cut while its messages move");
      assertTrue(s.link().memory().held() >= (long) MARK * BODY.length, "the backlog is held");
      Await.until("nothing moved for the stall time", s.link()::stalled, s::state);
      s.link().send(message(sent));
      settle(s.loop()); // and with it the cut it asked for
      assertLostWithNothingWaiting(s);
      assertEquals(0, s.link().memory().held(), "bytes held for the server");
    }
  }

  /**
   * The client goes away unread: the server hears of it and drops its backlog. Over TCP it probes
   * its remotes on the disconnect; over {@code inproc://} (no such event, and a legacy client says
   * no BYE) its heartbeat tick tries the backlog again and finds the client's routing id gone.
   */
  @ParameterizedTest
  @EnumSource(Wire.class)
  void aClientGoneWithMessagesWaiting_countsThemMoved(Wire wire) throws Exception {
    try (Pair p = new Pair(wire, STALLING, STALLING.withLinger(Duration.ZERO))) {
      goesAwayUnread(p.server());
    }
  }

  /**
   * The server goes away unread: the client hears of the disconnect and drops its backlog. TCP
   * only: a connector hears of its server's going from the connection's events, and {@code
   * inproc://} has none (it would find out at its heartbeat timeout).
   */
  @Test
  void aServerGoneWithMessagesWaiting_countsThemMoved() throws Exception {
    try (Pair p = new Pair(Wire.TCP, STALLING.withLinger(Duration.ZERO), STALLING)) {
      goesAwayUnread(p.client());
    }
  }

  /**
   * The remote of {@code s}, which stops reading until its buffers are full and closes without
   * linger, so that its connection ends at once and nothing more of it is read.
   */
  private static void goesAwayUnread(Sender s) throws Exception {
    CompletableFuture<Void> closed;
    try (HeldLoop remote = new HeldLoop(s.remote().loop)) {
      fillUntilStalled(s);
      closed = closeWhileHeld(s.remote());
    } // the remote's loop closes its socket before it could read
    Await.result(closed);
    assertLostWithNothingWaiting(s);
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Sends numbered messages from 0, each once the sender's loop has handled the one before, until
   * its link counts its backlog full; returns how many it sent. The remote must not read meanwhile.
   * Fails if the remote is disconnected first (the sender found the mark of messages in its backlog
   * before the count said full) or the count is not full within {@link #MAX_SENDS} messages.
   */
  private static int fill(Sender s) throws Exception {
    int sent = 0;
    while (!s.link().backlogFull(BODY.length)) {
      assertTrue(
          sent < MAX_SENDS,
          "not full after " + sent + " messages to a remote that reads none: " + s.state());
      s.send(sent++);
      assertFalse(
          s.local().events.contains("disconnected"),
          "the remote was disconnected before its backlog counted as full, after "
              + sent
              + " messages: "
              + s.state());
    }
    assertTrue(sent > MARK, "more than the mark went: " + sent);
    return sent;
  }

  /**
   * {@link #fill} over {@code inproc://}: with the remote reading nothing, nothing moves, so the
   * count is exactly what the backlog holds, half the mark once full; and stays so.
   */
  private static int fillExactly(Sender s) throws Exception {
    int sent = fill(s);
    assertEquals(FULL_AT, s.link().waiting(), "waiting once full, after " + sent + " messages");
    return sent;
  }

  /**
   * After {@link #fillExactly}: one more waits with each of {@code more} further messages; returns
   * how many were sent in all.
   */
  private static int eachOneMoreCounts(Sender s, int sent, int more) throws InterruptedException {
    for (int i = 1; i <= more; i++) {
      s.send(sent++);
      assertEquals(FULL_AT + i, s.link().waiting(), "each message kept in the backlog counts");
    }
    assertTrue(s.link().backlogFull(BODY.length), s.state());
    return sent;
  }

  /**
   * Sends numbered messages while fewer than half the mark wait, until they have not moved for the
   * stall time (the heartbeat interval): over TCP, the remote's buffers are then full (over {@code
   * inproc://} nothing moves from the start). The link then no longer counts as full: a remote that
   * does not read is not waited for.
   */
  private static void fillUntilStalled(Sender s) throws InterruptedException {
    long deadline = System.nanoTime() + Await.LIMIT.toNanos();
    int sent = 0;
    while (true) {
      boolean full = s.link().backlogFull(BODY.length);
      int waiting = s.link().waiting(); // no more than when full was read: only this thread adds
      if (!full && waiting >= FULL_AT) {
        return;
      }
      assertTrue(
          sent < MAX_SENDS && System.nanoTime() < deadline,
          "still moving after " + sent + " messages: " + s.state());
      if (waiting < FULL_AT) {
        s.send(sent++);
        assertFalse(s.local().events.contains("disconnected"), "disconnected: " + s.state());
      } else {
        LockSupport.parkNanos(1_000_000); // full: the waiting messages still move
      }
    }
  }

  /**
   * After the remote read again: every message arrived, in order, and nothing waits for it any
   * more.
   */
  private static void assertAllArrivedAndNothingWaits(Sender s, int sent) {
    List<Integer> numbers = s.atRemote().numbers;
    Await.until(
        "every message arrived",
        () -> numbers.size() >= sent,
        () -> numbers.size() + " of " + sent);
    assertEquals(IntStream.range(0, sent).boxed().toList(), numbers, "all, in order");
    Await.until("nothing waits for the remote", () -> s.link().waiting() == 0, s::state);
    assertFalse(s.link().backlogFull(BODY.length), s.state());
    assertEquals(0, s.link().memory().held(), "bytes held for the remote");
  }

  /** The link was lost, and what waited for its remote was dropped: nothing waits any more. */
  private static void assertLostWithNothingWaiting(Sender s) {
    Await.until(
        "the link is lost",
        () -> s.local().events.contains("disconnected"),
        s.local().events::toString);
    Await.until("nothing waits for the remote", () -> s.link().waiting() == 0, s::state);
    assertFalse(s.link().backlogFull(BODY.length), s.state());
  }

  /**
   * Closes {@code endpoint}, whose loop is held, on another thread; returns once the close waits
   * for the loop, which then closes it before anything else.
   */
  private static CompletableFuture<Void> closeWhileHeld(LoopSocket endpoint) {
    CompletableFuture<Void> closed = CompletableFuture.runAsync(endpoint::close);
    Await.until("the close waits for the loop", () -> endpoint.loop.tasksWaiting() > 0);
    return closed;
  }

  /** Returns once {@code loop} has run what was handed to it before. */
  private static void settle(IoLoop loop) throws InterruptedException {
    CountDownLatch ran = new CountDownLatch(1);
    assertTrue(loop.post(ran::countDown), "the loop runs");
    assertTrue(ran.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS), "the loop ran a task");
  }

  private static Envelope message(int number) {
    return new Envelope(ByteBuffer.allocate(Integer.BYTES).putInt(number).array(), BODY);
  }

  /**
   * One end as the sender: its link to the other end, its loop and what it was told; the other end
   * (the remote) and what it was told.
   */
  private record Sender(
      ZmqLink link, IoLoop loop, Numbers local, LoopSocket remote, Numbers atRemote) {
    /** Sends message {@code number}, and returns once the loop has handled it. */
    void send(int number) throws InterruptedException {
      link.send(message(number));
      settle(loop);
    }

    String state() {
      return link + " waiting " + link.waiting() + ", full " + link.backlogFull(BODY.length);
    }
  }

  /** Records what a LinkRecorder does, but of each message only its number (not its body). */
  private static final class Numbers extends LinkRecorder {
    final List<Integer> numbers = new CopyOnWriteArrayList<>();

    @Override
    public void received(Link l, Envelope e) {
      numbers.add(ByteBuffer.wrap(e.header()).getInt());
    }
  }

  /** A server and its one client, each on a loop of its own. */
  private static final class Pair implements AutoCloseable {
    final Numbers atServer = new Numbers();
    final Numbers atClient = new Numbers();
    final RouterEndpoint server;
    final DealerEndpoint client;

    /** The server's link to the client. */
    final ZmqLink toClient;

    /** The client's link to the server. */
    final ZmqLink toServer;

    Pair(Wire wire, ZmqOptions serverOptions, ZmqOptions clientOptions) throws Exception {
      boolean inproc = wire == Wire.INPROC;
      SharedContext serverContext = new SharedContext(inproc ? 2 : 1, 100);
      SharedContext clientContext = inproc ? serverContext : new SharedContext(1, 100);
      URI address =
          URI.create(
              inproc
                  ? "zmq+inproc://backlog-count-" + NAMES.incrementAndGet()
                  : "zmq+tcp://127.0.0.1:0");
      server = RouterEndpoint.bind(serverContext, address, CONFIG, atServer, serverOptions);
      try {
        client =
            DealerEndpoint.connect(
                clientContext, URI.create(server.address()), CONFIG, atClient, clientOptions);
      } catch (IOException | RuntimeException e) {
        server.close();
        throw e;
      }
      try {
        assertNotSame(server.loop, client.loop, "the ends' loops");
        toServer = (ZmqLink) Await.result(atClient.first);
        toClient = (ZmqLink) Await.result(atServer.first);
      } catch (Exception | AssertionError e) {
        close();
        throw e;
      }
    }

    Sender server() {
      return new Sender(toClient, server.loop, atServer, client, atClient);
    }

    Sender client() {
      return new Sender(toServer, client.loop, atClient, server, atServer);
    }

    @Override
    public void close() {
      client.close();
      server.close();
    }
  }
}
