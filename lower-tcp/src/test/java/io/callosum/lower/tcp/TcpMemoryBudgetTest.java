package io.callosum.lower.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.lower.Capabilities;
import io.callosum.lower.MemoryBudget;
import io.callosum.lower.tcp.testing.OwnConnection;
import io.callosum.lower.tcp.testing.RawTcp;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.ThreadAllocation;
import io.callosum.upper.MsgpackCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The memory budget against the three ways remotes made a server hold memory without bound, each
 * played from raw sockets: many connections each holding a half-received record, clients that send
 * large calls and never read the replies, and arguments that are small on the wire and huge once
 * decoded. Each time a client connected before the attack, and a new one, are served while it goes
 * on, what the transport holds (its {@link MemoryBudget}) never passes the budget, and it all comes
 * back once the attackers are gone.
 */
class TcpMemoryBudgetTest {
  private static final long BUDGET = 1 << 20;
  private static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(2);
  private static final byte[] CAPS = new Capabilities(Capabilities.VERSION, 9, Set.of()).encode();
  private static final MsgpackCodec MSGPACK = new MsgpackCodec();

  @RegisterExtension final Closer closer = new Closer();
  private long limit;
  private MemoryBudget budget;
  private BoundPeer server;
  private ConnectedPeer before;

  /** The most a handler thread allocated decoding one body. */
  private final AtomicLong decodeAllocation = new AtomicLong();

  /** A server with a memory budget of {@code bytes}, and a client served before any attack. */
  private void start(long bytes) {
    limit = bytes;
    TcpTransport transport =
        new TcpTransport(
            TcpOptions.builder()
                .memoryBudget(bytes)
                .heartbeat(Duration.ofMillis(500), HEARTBEAT_TIMEOUT)
                .build());
    budget = transport.memoryBudget();
    server =
        closer.later(
            Peer.builder().transport(transport).bind("tcp://127.0.0.1:0").name("server").build());
    server.handle(
        "echo",
        (ctx, body) -> {
          ThreadAllocation.Mark mark = ThreadAllocation.mark();
          try {
            return body.value();
          } finally {
            decodeAllocation.accumulateAndGet(
                ThreadAllocation.mark().bytes() - mark.bytes(), Math::max);
          }
        });
    server.start();
    before = client();
    assertEquals("before", before.invokeAndWait("echo", "before"));
  }

  /** A client on its own transport (so on its own connection). */
  private ConnectedPeer client() {
    return closer.later(OwnConnection.client(server.address()));
  }

  /** The client connected before the attack is served now, again and again. */
  private void beforeServed() {
    for (int i = 0; i < 20; i++) {
      assertEquals("still " + i, before.invokeAndWait("echo", "still " + i));
    }
  }

  private void withinTheBudget() {
    assertTrue(budget.peak() <= limit, "held at most " + budget.peak() + " bytes, budget " + limit);
  }

  /** Once the attackers are gone, nothing is held for them, and new clients are served. */
  private void allLetGo() {
    Await.until("the budget held for no one", () -> budget.held() < 4096, budget::toString);
    assertEquals("new", client().invokeAndWait("echo", "new"));
  }

  /** A raw connection past the preamble, and a record of 16 MiB announced on it. */
  private RawTcp announcing() throws IOException {
    RawTcp r = closer.later(RawTcp.connect(server.address()));
    r.handshake();
    r.send(ByteBuffer.allocate(4).putInt(16 << 20).array());
    return r;
  }

  /** A raw connection past the preamble, with channel 1 open. */
  private RawTcp opened(boolean smallBuffer) throws IOException {
    RawTcp r =
        closer.later(
            smallBuffer
                ? RawTcp.connectSmallBuffer(server.address())
                : RawTcp.connect(server.address()));
    r.handshake();
    r.sendFrame(RawTcp.channelFrame(RawTcp.OPEN, 1, CAPS));
    byte[] f = r.readFrame();
    assertEquals(RawTcp.OPENED, f[0] & 0xff);
    return r;
  }

  /**
   * A DATA record on channel 1 calling echo with {@code app} (msgpack) as the argument: the header
   * {@code {type: 1, meth: "echo", okey: b"", seq: <seq>, zip: false}} and the body frame {@code
   * {meta: b"", body: bin32 <app>}} (docs/WIRE.md).
   */
  private static byte[] echo(int seq, byte[] app) {
    byte[] header =
        HexFormat.ofDelimiter(" ")
            .parseHex(
                "85 a4 74 79 70 65 01 a4 6d 65 74 68 a4 65 63 68 6f a4 6f 6b 65 79 c4 00 a3 73 65"
                    + " 71 00 a3 7a 69 70 c2");
    header[28] = (byte) seq;
    byte[] start = HexFormat.ofDelimiter(" ").parseHex("82 a4 6d 65 74 61 c4 00 a4 62 6f 64 79 c6");
    byte[] body =
        ByteBuffer.allocate(start.length + 4 + app.length)
            .put(start)
            .putInt(app.length)
            .put(app)
            .array();
    byte[] frame = RawTcp.data(1, header, body);
    return ByteBuffer.allocate(4 + frame.length).putInt(frame.length).put(frame).array();
  }

  /** The next reply, which must be an ERROR: its metadata {@code [name, repr, traceback]}. */
  private static List<?> nextError(RawTcp r) throws Exception {
    byte[] f;
    while ((f = r.readFrame()) != null && (f[0] & 0xff) != RawTcp.DATA) {
      // heartbeats
    }
    assertTrue(f != null, "the connection ended before the reply");
    int headerLength = ByteBuffer.wrap(f, 5, 4).getInt();
    Map<?, ?> header =
        (Map<?, ?>) MSGPACK.decode(Arrays.copyOfRange(f, 9, 9 + headerLength), Object.class);
    assertEquals(4, header.get("type"), "an ERROR reply: " + header);
    Map<?, ?> body =
        (Map<?, ?>) MSGPACK.decode(Arrays.copyOfRange(f, 9 + headerLength, f.length), Object.class);
    return (List<?>) MSGPACK.decode((byte[]) body.get("meta"), Object.class);
  }

  /**
   * A record far bigger than the budget: the server reads what the budget allows, then stops
   * reading that connection, refuses new ones it has no room for, serves the client it had, and
   * cuts the one that holds more than its reserve and gives none back.
   */
  @Test
  void oneConnectionAnnouncingMoreThanTheBudget() throws Exception {
    start(BUDGET);
    ExecutorService writers = closer.executor("attack-writer");
    RawTcp hog = announcing();
    var unused =
        writers.submit(
            () -> {
              hog.send(new byte[2 << 20]); // blocks once the server stops reading
              return null;
            });
    // Two holders: reserves of a quarter each; the hog takes its own and the half nobody reserved.
    Await.until(
        "the hog holds all but the other's reserve",
        () -> budget.held() >= BUDGET * 3 / 4,
        budget::toString);
    beforeServed();
    RawTcp late = closer.later(RawTcp.connect(server.address()));
    late.readPreamble();
    String refusal = late.abortReason();
    assertTrue(refusal.contains("no room in the memory budget"), refusal);
    String cut = hog.abortReason();
    assertTrue(cut.contains("memory budget (TcpOptions.memoryBudget"), cut);
    withinTheBudget();
    allLetGo();
  }

  @Test
  void manyConnectionsEachHoldingAHalfReceivedRecord() throws Exception {
    start(BUDGET);
    List<RawTcp> attackers = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      attackers.add(announcing());
    }
    for (RawTcp r : attackers) {
      // Of each 16 MiB record, 64 KiB come, and then nothing: 4 MiB in all, four budgets.
      r.send(new byte[64 << 10]);
    }
    Await.until(
        "the half-received records hold half the budget",
        () -> budget.held() >= BUDGET / 2,
        budget::toString);
    beforeServed();
    assertTrue(budget.held() >= BUDGET / 2, "served while the attack holds the budget");
    withinTheBudget();
    for (RawTcp r : attackers) {
      r.close();
    }
    allLetGo();
    withinTheBudget();
  }

  @Test
  void clientsThatSendLargeCallsAndNeverReadTheReplies() throws Exception {
    start(BUDGET);
    ExecutorService writers = closer.executor("never-reading-writer");
    byte[] argument = MSGPACK.encode(new byte[32 << 10]);
    List<RawTcp> attackers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      attackers.add(opened(true));
    }
    for (RawTcp r : attackers) {
      // 4 MiB of calls whose replies are never read; writing blocks once the server stops reading.
      var unused =
          writers.submit(
              () -> {
                for (int n = 0; n < 128; n++) {
                  r.send(echo(n, argument));
                }
                return null;
              });
    }
    Await.until(
        "the unread replies hold half the budget",
        () -> budget.held() >= BUDGET / 2,
        budget::toString);
    beforeServed();
    withinTheBudget();
    for (RawTcp r : attackers) {
      assertTrue(r.endsWithin(), "a remote that does not read is cut");
    }
    allLetGo();
    withinTheBudget();
  }

  @Test
  void argumentsThatAreSmallOnTheWireAndHugeDecoded() throws Exception {
    start(64L << 20);
    // An array of a million and one empty arrays: a megabyte on the wire, a million lists decoded.
    byte[] bomb = new byte[5 + 1_000_001];
    ByteBuffer.wrap(bomb).put((byte) 0xdd).putInt(1_000_001);
    Arrays.fill(bomb, 5, bomb.length, (byte) 0x90);
    List<RawTcp> attackers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      RawTcp r = opened(false);
      attackers.add(r);
      r.send(echo(1, bomb));
      r.send(echo(2, bomb));
    }
    beforeServed();
    for (RawTcp r : attackers) {
      for (int i = 0; i < 2; i++) {
        List<?> error = nextError(r);
        assertEquals("callosum.CodecError", error.get(0));
        assertTrue(((String) error.get(1)).contains("Limits.maxElements"), error.toString());
      }
    }
    assertTrue(
        decodeAllocation.get() < 256 << 10,
        "decoding one argument allocated " + decodeAllocation.get() + " bytes");
    beforeServed();
    withinTheBudget();
    for (RawTcp r : attackers) {
      r.close();
    }
    allLetGo();
  }
}
