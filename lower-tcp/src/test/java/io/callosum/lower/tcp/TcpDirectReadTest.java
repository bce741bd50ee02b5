package io.callosum.lower.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.Payload;
import io.callosum.Peer;
import io.callosum.lower.tcp.testing.RawTcp;
import io.callosum.testing.Closer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A plain DATA record for an open channel is read straight into its envelope's arrays; like every
 * record, its announced length is not allocated before its bytes arrive.
 */
class TcpDirectReadTest {
  @RegisterExtension final Closer closer = new Closer();

  private static long heapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  @Test
  void announcedDataRecordsAreNotAllocatedBeforeTheirBytesArrive() throws Exception {
    Peer server =
        closer.later(
            Peer.builder().transport(new TcpTransport()).bind("tcp://127.0.0.1:0").build());
    server.handle("echo", (ctx, body) -> Payload.wrap(body.bytes()));
    server.start();
    int connections = 20;
    int length = 16 << 20;
    long before = heapAfterGc();
    List<RawTcp> raws = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      RawTcp r = closer.later(RawTcp.connect(server.address()).handshake());
      r.sendFrame(RawTcp.channelFrame(RawTcp.OPEN, 1, new byte[0]));
      assertEquals(RawTcp.OPENED, r.readFrame()[0]);
      // A DATA record of 16 MiB for the open channel: its prefix and a little of its header only.
      r.send(
          ByteBuffer.allocate(4 + 9 + 100)
              .putInt(length)
              .put((byte) RawTcp.DATA)
              .putInt(1)
              .putInt(50)
              .array());
      raws.add(r);
    }
    // A round trip on a fresh channel: every announcement before it has been read by the loop.
    RawTcp probe = closer.later(RawTcp.connect(server.address()).handshake());
    probe.sendFrame(RawTcp.channelFrame(RawTcp.OPEN, 1, new byte[0]));
    assertEquals(RawTcp.OPENED, probe.readFrame()[0]);
    long grew = heapAfterGc() - before;
    assertTrue(
        grew < 64L << 20,
        connections + " announcements of 16 MiB took " + (grew >> 20) + " MiB of heap");
    assertEquals(connections, raws.size());
  }
}
