package io.callosum.lower.zmq.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.LinkListener;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.zmq.ZmqOptions;
import io.callosum.testing.ErrorLog;
import io.callosum.testing.FuzzInput;
import io.callosum.testing.FuzzSeeds;
import io.callosum.testing.OnLoop;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A fuzz target of the ZeroMQ lower's bound endpoint (docs/FUZZING.md): multipart messages as its
 * ROUTER socket hands them over ({@code routing id, kind, header, body}: UPPER, PING with a
 * capability announcement, PONG, BYE, anything, and other frame counts), from a few routing ids
 * with or without a verified user, given to {@link RouterEndpoint#handle} on its loop thread.
 * Invariants: nothing is thrown or logged at ERROR; per link the core hears connected, then
 * envelopes, then at most one disconnected, and an envelope only on a link with the identity its
 * message came with; once every routing id said BYE, every link made has been reported gone.
 */
class RouterFuzzTest {
  private static final byte[][] IDS = {ascii("a"), ascii("b"), new byte[] {0, 1, 2, 3, 4}};
  private static final String[] USERS = {null, "alice", "bob"};
  private static final byte[][] KINDS = {Frames.UPPER, Frames.PING, Frames.PONG, Frames.BYE};
  private static final Events EVENTS = new Events();
  private static final RouterEndpoint ROUTER;

  static {
    ErrorLog.install();
    try {
      TransportConfig config =
          new TransportConfig(
              new Capabilities(Capabilities.VERSION, 1, Set.of(Capabilities.STREAM)),
              1 << 20,
              Duration.ofSeconds(5));
      ROUTER =
          RouterEndpoint.bind(
              new SharedContext(),
              URI.create("zmq+tcp://127.0.0.1:0"),
              config,
              EVENTS,
              ZmqOptions.defaults());
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @AfterAll
  static void stop() {
    ROUTER.close();
  }

  /** What the endpoint reports to the core, checked as it happens (loop thread). */
  static final class Events implements LinkListener {
    final Set<Link> live = new HashSet<>();
    final Set<Link> gone = new HashSet<>();
    final List<String> problems = new ArrayList<>();

    /** The identity of the message being handled, or null. */
    String user;

    @Override
    public void connected(Link link) {
      if (!live.add(link) || gone.contains(link)) {
        problems.add("connected twice: " + link.id());
      }
    }

    @Override
    public void received(Link link, Envelope e) {
      if (!live.contains(link)) {
        problems.add("received on a link not connected: " + link.id());
      }
      if (!java.util.Objects.equals(link.identity().orElse(null), user)) {
        problems.add(
            "a message of " + user + " delivered on the link of " + link.identity().orElse(null));
      }
    }

    @Override
    public void disconnected(Link link, Throwable cause) {
      if (!live.remove(link) || !gone.add(link)) {
        problems.add("disconnected twice or before connected: " + link.id());
      }
    }
  }

  @FuzzTest
  void messages(byte[] data) throws Exception {
    long errors = ErrorLog.count();
    OnLoop.run(ROUTER::post, () -> run(new FuzzInput(data)));
    ErrorLog.assertNoneSince(errors);
  }

  /** One input, on the endpoint's loop thread. */
  private static void run(FuzzInput in) {
    Map<Integer, String> lastUser = new HashMap<>();
    while (in.more()) {
      int id = in.below(IDS.length);
      String user = USERS[in.below(USERS.length)];
      int k = in.below(KINDS.length + 1);
      byte[] kind = k < KINDS.length ? KINDS[k] : in.chunk();
      List<byte[]> frames = new ArrayList<>(List.of(IDS[id], kind, in.chunk(), in.chunk()));
      if (in.below(8) == 0) { // another frame count: dropped
        frames = frames.subList(0, in.below(4));
      }
      EVENTS.user = user;
      ROUTER.handle(frames, user);
      lastUser.put(id, user);
    }
    for (Map.Entry<Integer, String> e : lastUser.entrySet()) { // every connector says goodbye
      EVENTS.user = e.getValue();
      ROUTER.handle(List.of(IDS[e.getKey()], Frames.BYE, Frames.EMPTY, Frames.EMPTY), e.getValue());
    }
    assertEquals(List.of(), EVENTS.problems, "what the core heard");
    assertTrue(
        EVENTS.live.isEmpty(),
        () -> EVENTS.live.size() + " links not reported gone after every connector said BYE");
    EVENTS.gone.clear();
  }

  @Test
  void seeds() {
    byte[] caps = new Capabilities(Capabilities.VERSION, 9, Set.of(Capabilities.CHAIN)).encode();
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    // Java connector: PING with its announcement, an UPPER, BYE. Python connector: an empty PING,
    // then UPPER.
    seeds.put(
        "java-then-python",
        new FuzzInput.Writer()
            .u8(0)
            .u8(0)
            .u8(1)
            .chunk(caps)
            .chunk(ascii("token"))
            .u8(1)
            .u8(0)
            .u8(0)
            .u8(0)
            .chunk(new byte[] {(byte) 0x85})
            .chunk(new byte[] {(byte) 0x82})
            .u8(1)
            .u8(1)
            .u8(0)
            .u8(1)
            .chunk(new byte[0])
            .chunk(new byte[0])
            .u8(1)
            .u8(1)
            .u8(0)
            .u8(0)
            .chunk(new byte[] {1})
            .chunk(new byte[] {2})
            .u8(1)
            .toByteArray());
    seeds.put(
        "identities",
        new FuzzInput.Writer()
            .u8(2)
            .u8(1)
            .u8(1)
            .chunk(caps)
            .chunk(new byte[0])
            .u8(1)
            .u8(2)
            .u8(2)
            .u8(0)
            .chunk(new byte[] {1})
            .chunk(new byte[] {2})
            .u8(1)
            .toByteArray());
    FuzzSeeds.check(getClass(), Map.of("messages", seeds));
  }
}
