package io.callosum.lower.zmq.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.Link;
import io.callosum.lower.TransportConfig;
import io.callosum.lower.zmq.ZmqOptions;
import io.callosum.testing.Await;
import io.callosum.testing.LinkRecorder;
import java.lang.reflect.Field;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.zeromq.ZMQ;
import zmq.Ctx;
import zmq.io.IOThread;

/**
 * jeromq 0.6.0's first-connect stall, reproduced: a connector's new connection left without a
 * selection key by jeromq's I/O thread is heard after a nudge of that thread, not after the
 * handshake retry.
 *
 * <p>jeromq's {@code TcpConnecter.connectEvent} removes the connector's handle for the channel and
 * queues an ATTACH of the new stream engine for the I/O thread itself, then reports {@code
 * CONNECTED}. When the I/O thread's mailbox was readable at the same {@code select} and comes after
 * the connector in the selected set, the ATTACH is processed (the engine's handle added for the
 * same channel) before the poller's next pass over its table, and that pass leaves the engine
 * without a key. The test takes that order deterministically: at {@code CONNECTED}, on the I/O
 * thread, it processes the thread's mailbox as jeromq would a moment later.
 */
class UnregisteredConnectionTest {
  private static final URI ANY = URI.create("zmq+tcp://127.0.0.1:0");

  /** No retry within the test's time: only the nudge can bring the connection up. */
  private static final ZmqOptions NO_RETRY =
      ZmqOptions.defaults().withHandshakeRetry(Duration.ofMinutes(5));

  @Test
  void aConnectionJeromqLeftUnregisteredIsHeardWithoutTheHandshakeRetry() throws Exception {
    SharedContext serverSide = new SharedContext(1, 100);
    SharedContext clientSide = new SharedContext(1, 100);
    TransportConfig config =
        new TransportConfig(Capabilities.LEGACY, 1 << 20, Duration.ofSeconds(10));
    LinkRecorder echo =
        new LinkRecorder() {
          @Override
          public void received(Link link, Envelope e) {
            link.send(e);
          }
        };
    RouterEndpoint server = RouterEndpoint.bind(serverSide, ANY, config, echo, NO_RETRY);
    ZMQ.Context clientContext =
        clientSide.acquire(); // held by the test: the same context throughout
    AtomicInteger stalled = new AtomicInteger();
    clientSide.onIoThreadEvent(
        event -> {
          if (event == ZMQ.EVENT_CONNECTED) {
            processMailbox(clientContext);
            stalled.incrementAndGet();
          }
        });
    LinkRecorder clientRecorder = new LinkRecorder();
    long t0 = System.nanoTime();
    DealerEndpoint client = null;
    try {
      // Without a nudge the connect fails after the 10 s connect timeout.
      client =
          DealerEndpoint.connect(
              clientSide, URI.create(server.address()), config, clientRecorder, NO_RETRY);
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(1, stalled.get(), "one connection, put in the stalled state once");
      assertTrue(clientSide.nudges() >= 1, "the I/O thread was nudged");
      assertTrue(millis < 5_000, "connected in " + millis + " ms");
      Link link = clientRecorder.links.peek();
      link.send(new Envelope(new byte[] {1}, "first".getBytes(StandardCharsets.US_ASCII)));
      Await.until("the first message's echo", () -> clientRecorder.events.contains("received"));
    } finally {
      clientSide.onIoThreadEvent(null);
      if (client != null) {
        client.close();
      }
      server.close();
      clientSide.release();
    }
    assertEquals(0, clientSide.users());
    assertEquals(0, serverSide.users());
  }

  @Test
  void aSubscriberConnectionJeromqLeftUnregisteredIsHeard() throws Exception {
    SharedContext serverSide = new SharedContext(1, 100);
    SharedContext clientSide = new SharedContext(1, 100);
    ZmqFanoutSender publisher =
        ZmqFanoutSender.create(
            serverSide,
            ANY,
            new FanoutConfig(FanoutPattern.BROADCAST, true, 1_000, 1 << 20),
            NO_RETRY,
            () -> {});
    ZMQ.Context clientContext = clientSide.acquire();
    AtomicInteger stalled = new AtomicInteger();
    clientSide.onIoThreadEvent(
        event -> {
          if (event == ZMQ.EVENT_CONNECTED && stalled.getAndIncrement() == 0) {
            processMailbox(clientContext);
          }
        });
    List<FanoutItem> received = new CopyOnWriteArrayList<>();
    ZmqFanoutReceiver subscriber = null;
    try {
      subscriber =
          ZmqFanoutReceiver.create(
              clientSide,
              URI.create(publisher.address()),
              new FanoutConfig(FanoutPattern.BROADCAST, false, 1_000, 1 << 20),
              NO_RETRY, // no handshake timeout within the test's time either
              List.of(""),
              received::add);
      FanoutItem item = new FanoutItem(new byte[] {'t'}, new byte[] {1}, new byte[] {2});
      // A publisher drops items until the subscription has arrived: offer until one gets through.
      Await.until(
          "an item reaches the subscriber", () -> publisher.offer(item) && !received.isEmpty());
      assertEquals(1, stalled.get(), "one connection, put in the stalled state");
      assertTrue(clientSide.nudges() >= 1, "the I/O thread was nudged");
    } finally {
      clientSide.onIoThreadEvent(null);
      if (subscriber != null) {
        subscriber.close();
      }
      publisher.close();
      clientSide.release();
    }
    assertEquals(0, clientSide.users());
    assertEquals(0, serverSide.users());
  }

  /**
   * Processes the commands waiting for the context's (only) I/O thread, on that thread, as its
   * poller does when it serves the thread's mailbox.
   */
  private static void processMailbox(ZMQ.Context context) {
    try {
      Field ctxField = ZMQ.Context.class.getDeclaredField("ctx");
      ctxField.setAccessible(true);
      Ctx ctx = (Ctx) ctxField.get(context);
      Field threadsField = Ctx.class.getDeclaredField("ioThreads");
      threadsField.setAccessible(true);
      @SuppressWarnings("unchecked")
      List<IOThread> threads = (List<IOThread>) threadsField.get(ctx);
      assertEquals(1, threads.size());
      threads.get(0).inEvent();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
