package io.callosum.lower.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.lower.tcp.testing.RawTcp;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.LinkRecorder;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Replies sent on the I/O thread while it hands over one read of many requests (what direct
 * executors do) leave every {@link Outbound#EARLY_FLUSH} of them, while the rest of the read is
 * handled, not only after the whole read.
 */
class EarlyWriteTest {
  @RegisterExtension final Closer closer = new Closer();

  @Test
  void repliesLeaveWhileTheRestOfTheReadIsHandled() throws Exception {
    int early = Outbound.EARLY_FLUSH;
    CountDownLatch firstRepliesRead = new CountDownLatch(1);
    AtomicBoolean readDuringTheRead = new AtomicBoolean();
    LinkRecorder echo =
        new LinkRecorder() {
          private int handled; // I/O thread

          @Override
          public void received(Link l, Envelope e) {
            l.send(e); // on the I/O thread, as a direct executor's reply
            if (++handled == early + 1) {
              // The read goes on only once the client has read the first replies: they must have
              // been written by now, in the middle of the read.
              try {
                readDuringTheRead.set(firstRepliesRead.await(Await.LIMIT.toMillis(), MILLIS));
              } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
              }
            }
          }
        };
    Endpoint server =
        closer.later(
            new TcpTransport()
                .bind(
                    URI.create("tcp://127.0.0.1:0"),
                    new TransportConfig(Capabilities.LEGACY, 4 << 20, Duration.ofSeconds(5)),
                    echo));
    RawTcp client = closer.later(RawTcp.connect(server.address()).handshake());
    client.socket.setSoTimeout((int) (2 * Await.LIMIT.toMillis()));
    client.sendFrame(RawTcp.channelFrame(RawTcp.OPEN, 1, new byte[0]));
    assertEquals(RawTcp.OPENED, client.readFrame()[0]);
    // Twice as many requests as make an early write, in one write: one read of the server.
    ByteArrayOutputStream requests = new ByteArrayOutputStream();
    for (int i = 0; i < 2 * early; i++) {
      byte[] frame = RawTcp.data(1, new byte[] {(byte) i}, new byte[] {1, 2, 3});
      requests.writeBytes(ByteBuffer.allocate(4).putInt(frame.length).array());
      requests.writeBytes(frame);
    }
    client.send(requests.toByteArray());
    for (int i = 0; i < early; i++) {
      assertReply(client.readFrame(), i);
    }
    firstRepliesRead.countDown();
    for (int i = early; i < 2 * early; i++) {
      assertReply(client.readFrame(), i);
    }
    assertTrue(readDuringTheRead.get(), "the first replies were written while the read went on");
  }

  private static final TimeUnit MILLIS = TimeUnit.MILLISECONDS;

  private static void assertReply(byte[] frame, int i) {
    assertNotNull(frame, "reply " + i);
    assertArrayEquals(
        RawTcp.data(1, new byte[] {(byte) i}, new byte[] {1, 2, 3}),
        frame,
        "reply " + i + ": " + Arrays.toString(frame));
  }
}
