package io.callosum.lower.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Peer;
import io.callosum.lower.tcp.testing.OwnConnection;
import io.callosum.lower.tcp.testing.RawTcp;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Everything a remote controls is bounded: each bad input is sent with a raw socket, the endpoint
 * cuts that connection alone (with an ABORT saying why, where it can), and a client that was
 * connected before, as well as a new one, is still served.
 */
class TcpLimitsTest {
  private static final int MAX_CHANNELS = 4;
  private static final int MAX_CONNECTIONS = 6;
  private static final Duration HANDSHAKE = Duration.ofMillis(300);

  @RegisterExtension final Closer closer = new Closer();
  private Peer server;
  private ConnectedPeer before;

  @BeforeEach
  void start() {
    TcpOptions options =
        TcpOptions.builder()
            .maxFrameSize(64 << 10)
            .maxChannelsPerConnection(MAX_CHANNELS)
            .maxConnections(MAX_CONNECTIONS)
            .maxConnectionsPerAddress(MAX_CONNECTIONS) // every client here comes from loopback
            .handshakeTimeout(HANDSHAKE)
            .build();
    server =
        closer.later(
            Peer.builder()
                .transport(new TcpTransport(options))
                .bind("tcp://127.0.0.1:0")
                .name("server")
                .build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    before = client();
    assertEquals("before", before.invokeAndWait("echo", "before"));
  }

  /** A client on its own transport (so on its own connection). */
  private ConnectedPeer client() {
    return closer.later(OwnConnection.client(server.address()));
  }

  private RawTcp raw() throws IOException {
    return closer.later(RawTcp.connect(server.address()));
  }

  /** The client connected before the attack and a new client are both served. */
  private void othersStillServed() {
    assertEquals("still", before.invokeAndWait("echo", "still"));
    assertEquals("new", client().invokeAndWait("echo", "new"));
  }

  @Test
  void anAbortOfItsKindByteAloneEndsTheConnection() throws Exception {
    RawTcp r = raw().handshake();
    r.sendFrame(new byte[] {RawTcp.ABORT}); // no code, no reason
    long start = System.nanoTime();
    assertTrue(r.endsWithin(), "the endpoint closes the connection of a remote that said ABORT");
    // At once, not by the heartbeat timeout (5 s), which would end it anyway.
    assertTrue(
        System.nanoTime() - start < 2_000_000_000L,
        "closed after " + (System.nanoTime() - start) / 1_000_000 + " ms");
    othersStillServed();
  }

  @Test
  void oversizeLengthPrefixIsCutOff() throws Exception {
    RawTcp r = raw().handshake();
    r.send(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array());
    String reason = r.abortReason();
    assertTrue(reason.contains("frame length 2147483647"), reason);
    othersStillServed();
  }

  @Test
  void negativeLengthPrefixIsCutOff() throws Exception {
    RawTcp r = raw().handshake();
    r.send(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
    String reason = r.abortReason();
    assertTrue(reason.contains("frame length 4294967295"), reason);
    othersStillServed();
  }

  @Test
  void frameJustOverTheLimitIsCutOffWithoutWaitingForItsBytes() throws Exception {
    RawTcp r = raw().handshake();
    r.send(ByteBuffer.allocate(4).putInt((64 << 10) + 1).array());
    assertTrue(r.abortReason().contains("outside 1..65536"));
    othersStillServed();
  }

  @Test
  void garbagePreambleIsCutOff() throws Exception {
    // 16 bytes: as long as a preamble, so no unread byte turns the server's close into a reset.
    refusedAtThePreamble(
        "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII), "not a Callosum TCP preamble");
  }

  @Test
  void unknownVersionIsRefusedWithAReason() throws Exception {
    refusedAtThePreamble(
        RawTcp.preamble(9, "NULL"), "unsupported protocol version 9 (this peer speaks 2)");
  }

  @Test
  void securityMechanismMismatchIsRefusedWithAReason() throws Exception {
    refusedAtThePreamble(
        RawTcp.preamble(2, "CURVE"),
        "security mechanism mismatch: this side uses NULL, the remote offers CURVE");
  }

  /**
   * Sends {@code preamble}; the server answers with its own and an ABORT naming {@code reason}, and
   * serves others.
   */
  private void refusedAtThePreamble(byte[] preamble, String reason) throws Exception {
    RawTcp r = raw();
    r.send(preamble);
    r.readPreamble();
    String got = r.abortReason();
    assertTrue(got.contains(reason), got);
    othersStillServed();
  }

  @Test
  void unknownFrameKindIsRefusedWithAReason() throws Exception {
    RawTcp r = raw().handshake();
    r.sendFrame(new byte[] {0x7e, 1, 2, 3});
    String reason = r.abortReason();
    assertTrue(reason.contains("unknown frame kind 0x7e"), reason);
    othersStillServed();
  }

  @Test
  void malformedFramesAreRefusedWithAReason() throws Exception {
    RawTcp truncated = raw().handshake();
    truncated.sendFrame(new byte[] {RawTcp.OPEN, 0, 0});
    assertTrue(truncated.abortReason().contains("truncated channel frame"));
    RawTcp badHeader = raw().handshake();
    badHeader.sendFrame(
        ByteBuffer.allocate(12).put((byte) RawTcp.DATA).putInt(1).putInt(1000).array());
    assertTrue(badHeader.abortReason().contains("header length of 1000"));
    RawTcp opened = raw().handshake();
    opened.sendFrame(RawTcp.channelFrame(RawTcp.OPENED, 1, new byte[0]));
    assertTrue(opened.abortReason().contains("this endpoint opens no channels"));
    othersStillServed();
  }

  @Test
  void aChannelIdOpenedTwiceIsAProtocolError() throws Exception {
    RawTcp r = raw().handshake();
    r.sendFrame(RawTcp.channelFrame(RawTcp.OPEN, 7, new byte[0]));
    assertEquals(RawTcp.OPENED, r.readFrame()[0]);
    r.sendFrame(RawTcp.channelFrame(RawTcp.OPEN, 7, new byte[0]));
    assertTrue(r.abortReason().contains("channel 7 is already open"));
    othersStillServed();
  }

  @Test
  void channelsPastTheLimitAreRefusedAndAFloodIsCutOff() throws Exception {
    RawTcp r = raw().handshake();
    for (int i = 1; i <= MAX_CHANNELS; i++) {
      r.sendFrame(RawTcp.channelFrame(RawTcp.OPEN, i, new byte[0]));
      byte[] f = r.readFrame();
      assertEquals(RawTcp.OPENED, f[0]);
      assertEquals(i, ByteBuffer.wrap(f, 1, 4).getInt());
    }
    Await.until(
        "the server has a remote per channel", () -> server.remotes().size() == MAX_CHANNELS + 1);
    r.sendFrame(RawTcp.channelFrame(RawTcp.OPEN, 100, new byte[0]));
    byte[] refused = r.readFrame();
    assertEquals(RawTcp.CLOSE, refused[0]);
    assertTrue(
        new String(refused, 5, refused.length - 5, StandardCharsets.UTF_8)
            .contains("channel limit of 4"));
    // One refused so far; the flood ends exactly at the open that passes the limit, so that no
    // unread byte turns the server's close into a reset that could overtake its ABORT.
    ByteBuffer flood = ByteBuffer.allocate(MAX_CHANNELS * 9);
    for (int i = 101; i < 101 + MAX_CHANNELS; i++) {
      flood.putInt(5).put(RawTcp.channelFrame(RawTcp.OPEN, i, new byte[0]));
    }
    r.send(flood.array());
    String reason = r.abortReason();
    assertTrue(reason.contains("flood of channel opens"), reason);
    Await.until(
        "the flooder's channels are gone",
        () -> server.remotes().size() == 1,
        () -> server.remotes().toString());
    othersStillServed();
  }

  @Test
  void aClientThatSendsNothingIsCutAfterTheHandshakeTimeout() throws Exception {
    long t0 = System.nanoTime();
    RawTcp silent = raw();
    RawTcp partial = raw().send(new byte[] {'C', 'L', 'S'});
    assertTrue(silent.endsWithin(), "a silent connection is cut");
    assertTrue(partial.endsWithin(), "a connection stalled in the preamble is cut");
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(
        millis >= HANDSHAKE.toMillis() - 50 && millis < HANDSHAKE.toMillis() + 2_000,
        millis + " ms");
    othersStillServed();
  }

  @Test
  void connectionsPastTheLimitAreRefusedWithAReason() throws Exception {
    List<RawTcp> held = new ArrayList<>();
    for (int i = 1; i < MAX_CONNECTIONS; i++) { // "before" holds one connection
      held.add(raw().handshake());
    }
    RawTcp extra = raw();
    extra.readPreamble();
    String reason = extra.abortReason();
    assertTrue(reason.contains("at most 6 connections"), reason);
    assertEquals("still", before.invokeAndWait("echo", "still"));
    held.forEach(RawTcp::close);
    // The server notices the closed connections on its next read: connect until it has.
    Await.until(
        "a new client is served",
        () -> {
          try {
            return "new".equals(client().invokeAndWait("echo", "new"));
          } catch (ConnectionLostException refusedWhileFull) {
            return false;
          }
        });
  }

  @Test
  void dataForAChannelThatIsNotOpenIsDropped() throws Exception {
    RawTcp r = raw().handshake();
    r.sendFrame(RawTcp.data(42, new byte[] {(byte) 0x80}, new byte[0]));
    r.sendFrame(new byte[] {RawTcp.PING});
    assertNotNull(r.readFrame(), "the connection still answers");
    othersStillServed();
  }
}
