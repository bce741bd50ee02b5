package io.callosum.lower.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.lower.tcp.testing.RawTcp;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A remote that floods PINGs and never reads: every PING queues a PONG that cannot be written. The
 * queue must stay bounded (maxSendBacklog, or no PONG while output is pending), not grow with the
 * flood until the heartbeat timeout finally cuts the connection.
 */
class TcpPingFloodTest {
  private static final int PINGS = 3_000_000; // 15 MB on the wire

  @RegisterExtension final Closer closer = new Closer();

  private static long usedHeapAfterGc() {
    Runtime r = Runtime.getRuntime();
    System.gc();
    System.gc();
    return r.totalMemory() - r.freeMemory();
  }

  @Test
  void aPingFloodFromARemoteThatDoesNotReadQueuesBoundedMemory() throws Exception {
    TcpOptions options =
        TcpOptions.builder()
            .heartbeat(Duration.ofSeconds(20), Duration.ofSeconds(60))
            .maxSendBacklog(1 << 20)
            .build();
    Peer server =
        closer.later(
            Peer.builder()
                .transport(new TcpTransport(options))
                .bind("tcp://127.0.0.1:0")
                .name("server")
                .defaultTimeout(Await.LIMIT)
                .build());
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    long before = usedHeapAfterGc();

    try (RawTcp raw = RawTcp.connectSmallBuffer(server.address())) {
      raw.handshake();
      ByteBuffer pings = ByteBuffer.allocate(5 * 100_000);
      for (int i = 0; i < 100_000; i++) {
        pings.putInt(1).put((byte) RawTcp.PING);
      }
      for (int i = 0; i < PINGS / 100_000; i++) {
        raw.send(pings.array()); // never reads the PONGs
      }
      // A normal client is served after the flood was read: the loop has taken in (nearly) all of
      // it.
      ConnectedPeer client =
          closer
              .later(
                  Peer.builder()
                      .transport(new TcpTransport())
                      .connect(server.address())
                      .defaultTimeout(Await.LIMIT)
                      .build())
              .start();
      assertEquals(7, client.invokeAndWait("echo", 7));
      long grown = usedHeapAfterGc() - before;
      assertTrue(
          grown < 64L << 20,
          "the server holds "
              + (grown >> 20)
              + " MiB more after "
              + PINGS
              + " PINGs from a remote that does not read (send backlog limit 1 MiB)");
    }
  }
}
