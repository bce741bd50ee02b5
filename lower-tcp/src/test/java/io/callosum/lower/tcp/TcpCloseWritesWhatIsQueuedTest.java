package io.callosum.lower.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.tcp.testing.RawTcp;
import io.callosum.testing.Await;
import io.callosum.testing.LinkRecorder;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A bound endpoint that closes writes what is queued for its connections before it ends them, as
 * their remotes take it: the last replies of a peer that finished its calls and shut down reach
 * their callers whole, however big.
 */
class TcpCloseWritesWhatIsQueuedTest {
  private static boolean refuses(String address) {
    URI u = URI.create(address);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 1_000);
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void aClosingEndpointWritesWhatIsQueuedThenEnds() throws Exception {
    LinkRecorder recorder = new LinkRecorder();
    Endpoint server =
        new TcpTransport()
            .bind(
                URI.create("tcp://127.0.0.1:0"),
                new TransportConfig(Capabilities.LEGACY, 16 << 20, Duration.ofSeconds(5)),
                recorder);
    byte[] body = new byte[8 << 20];
    new Random(7).nextBytes(body);
    Thread closing = new Thread(server::close, "closing");
    try (RawTcp raw = RawTcp.connectSmallBuffer(server.address()).handshake()) {
      raw.sendFrame(RawTcp.channelFrame(RawTcp.OPEN, 1, new byte[0]));
      assertEquals(RawTcp.OPENED, raw.readFrame()[0]);
      Link link = Await.result(recorder.first);
      for (int i = 0; i < 4; i++) {
        link.send(new Envelope(new byte[] {(byte) i}, body)); // more than socket buffers hold
      }
      closing.start();
      // The listener closes first, then its connections, in one task of the loop.
      Await.until("the endpoint no longer listens", () -> refuses(server.address()));
      for (int i = 0; i < 4; i++) {
        byte[] frame = raw.readFrame();
        assertNotNull(frame, "message " + i + " arrived");
        assertEquals(RawTcp.DATA, frame[0]);
        assertEquals(1 + 4 + 4 + 1 + body.length, frame.length, "message " + i + " is whole");
        assertEquals(i, frame[9]);
        assertArrayEquals(body, Arrays.copyOfRange(frame, 10, frame.length));
      }
      assertTrue(raw.abortReason().contains("is closing"));
      closing.join(Await.LIMIT.toMillis());
      assertFalse(closing.isAlive(), "close returned once the connection ended");
      assertTrue(recorder.events.contains("disconnected"));
    } finally {
      server.close();
    }
  }
}
