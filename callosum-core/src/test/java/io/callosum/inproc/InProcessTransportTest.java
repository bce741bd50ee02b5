package io.callosum.inproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.Capabilities;
import io.callosum.lower.Endpoint;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.LinkListener;
import io.callosum.lower.TransportConfig;
import io.callosum.testing.Await;
import io.callosum.testing.LinkRecorder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The in-process lower below the peer protocol. */
class InProcessTransportTest {
  private static final TransportConfig CONFIG =
      new TransportConfig(Capabilities.LEGACY, 1 << 20, Duration.ofSeconds(5));

  private static Envelope message(String text) {
    return new Envelope(new byte[] {1}, text.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * What a remote sent before it closed reaches the other end before its disconnect, even when it
   * waited there behind a message still being handled: the last replies of a peer that shuts down,
   * or the CANCEL of a caller that then closes, are not lost.
   */
  @Test
  void whatARemoteSentBeforeItClosedIsDeliveredBeforeItsDisconnect() throws Exception {
    CountDownLatch firstTaken = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    List<String> events = new CopyOnWriteArrayList<>();
    LinkListener server =
        new LinkListener() {
          @Override
          public void connected(Link link) {
            events.add("connected");
          }

          @Override
          public void received(Link link, Envelope envelope) {
            String text = new String(envelope.body(), StandardCharsets.US_ASCII);
            events.add("received " + text);
            if (text.equals("one")) {
              firstTaken.countDown();
              try {
                assertTrue(closed.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }

          @Override
          public void disconnected(Link link, Throwable cause) {
            events.add("disconnected");
          }
        };
    InProcessTransport transport = new InProcessTransport();
    URI address = URI.create("inproc://last-messages");
    try (Endpoint bound = transport.bind(address, CONFIG, server)) {
      LinkRecorder client = new LinkRecorder();
      Endpoint connected = transport.connect(address, CONFIG, client);
      Link link = Await.result(client.first);
      link.send(message("one"));
      link.send(message("two"));
      assertTrue(firstTaken.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
      connected.close(); // "two" waits behind "one" at the server
      closed.countDown();
      Await.until("the disconnect arrives", () -> events.contains("disconnected"));
      assertEquals(List.of("connected", "received one", "received two", "disconnected"), events);
    }
  }
}
