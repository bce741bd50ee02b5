package io.callosum.lower.zmq.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.zmq.ZmqOptions;
import io.callosum.testing.Await;
import io.callosum.testing.LinkRecorder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.zeromq.ZMQ;

/**
 * What a server sent before it closed reaches its connector before the connector reports the link
 * lost: the last replies of a peer that finished its calls and shut down are not dropped, even when
 * the connector's loop hears of the disconnect before it reads them.
 */
class LastMessagesTest {
  private static final URI ANY = URI.create("zmq+tcp://127.0.0.1:0");
  private static final ZmqOptions QUIET =
      ZmqOptions.defaults().withHeartbeat(Duration.ofSeconds(60), Duration.ofSeconds(120));

  private static TransportConfig config() {
    return new TransportConfig(Capabilities.LEGACY, 4 << 20, Duration.ofSeconds(5));
  }

  @Test
  void whatArrivedBeforeTheDisconnectIsDeliveredBeforeTheLoss() throws Exception {
    SharedContext serverContext = new SharedContext(1, 100);
    SharedContext clientContext = new SharedContext(1, 100);
    LinkRecorder atServer = new LinkRecorder();
    LinkRecorder atClient = new LinkRecorder();
    RouterEndpoint server = RouterEndpoint.bind(serverContext, ANY, config(), atServer, QUIET);
    DealerEndpoint client =
        DealerEndpoint.connect(
            clientContext, URI.create(server.address()), config(), atClient, QUIET);
    HeldLoop held = null;
    try {
      Link toClient = Await.result(atServer.first);
      CountDownLatch disconnectSeen = new CountDownLatch(1);
      clientContext.onIoThreadEvent(
          event -> {
            if (event == ZMQ.EVENT_DISCONNECTED) {
              disconnectSeen.countDown();
            }
          });
      IoLoop loop = clientContext.loop();
      held = new HeldLoop(loop);
      // The client's loop is busy: the message and then the disconnect wait for it.
      toClient.send(new Envelope(new byte[] {1}, "last".getBytes(StandardCharsets.US_ASCII)));
      server.close();
      assertTrue(disconnectSeen.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
      Await.until("the loss is queued for the client's loop", () -> loop.tasksWaiting() > 0);
      held.close(); // the loop runs its tasks (the loss) before it reads the socket
      Await.until("the loss is reported", () -> atClient.events.contains("disconnected"));
      assertEquals(List.of("connected", "received", "disconnected"), atClient.events);
      assertEquals("last", new String(atClient.envelopes.get(0).body(), StandardCharsets.US_ASCII));
    } finally {
      if (held != null) {
        held.close();
      }
      clientContext.onIoThreadEvent(null);
      client.close();
      server.close();
    }
  }
}
