package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.OrderKey;
import io.callosum.Peer;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.MemoryBudget;
import io.callosum.upper.MsgpackCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A handler thread sends its reply outside the callee's scheduler lock: while one reply's send is
 * stuck (a socket write, here a link that waits), the lower's I/O thread still admits the next
 * call, and the replies still leave in the order the scheduler released them.
 */
class ReplyOutsideLockTest {
  private static final Capabilities ALL =
      new Capabilities(Capabilities.VERSION, 7, Set.of(Capabilities.CHAIN));

  /** A link whose first send waits until {@link #release}; every send is recorded in order. */
  private static final class StuckLink implements Link {
    final CountDownLatch firstSendEntered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch sent;
    final List<Header> headers = new ArrayList<>();

    StuckLink(int expected) {
      sent = new CountDownLatch(expected);
    }

    @Override
    public String id() {
      return "stuck";
    }

    @Override
    public Capabilities remoteCapabilities() {
      return ALL;
    }

    @Override
    public MemoryBudget.Holder memory() {
      return MemoryBudget.NONE;
    }

    @Override
    public void send(Envelope envelope) {
      if (firstSendEntered.getCount() > 0) {
        firstSendEntered.countDown();
        try {
          assertTrue(release.await(30, TimeUnit.SECONDS), "the test released the send");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      try {
        synchronized (headers) {
          headers.add(MessageCodec.decodeHeader(envelope.header(), 1024, 32));
        }
      } catch (BadMessageException e) {
        throw new AssertionError(e);
      }
      sent.countDown();
    }

    @Override
    public void close() {}
  }

  /** A call of {@code echo} with {@code seq} as its argument. */
  private static void call(OneLinkLower<StuckLink> lower, long seq) {
    lower.deliver(
        MessageCodec.encodeHeader(
            new Header(MessageType.FUNCTION, "echo", OrderKey.NONE, seq, false, List.of())),
        MessageCodec.encodeBody(MessageCodec.NO_META, new MsgpackCodec().encode(seq), false));
  }

  @Test
  void aStuckReplySend_doesNotHoldUpTheNextCallsAdmission() throws Exception {
    StuckLink link = new StuckLink(3);
    OneLinkLower<StuckLink> lower = new OneLinkLower<>("stuck", link);
    ExecutorService handlers = Executors.newFixedThreadPool(3);
    ExecutorService io = Executors.newSingleThreadExecutor();
    try (Peer peer =
        Peer.builder()
            .transport(lower)
            .bind("stuck://peer")
            .handlerExecutor(handlers)
            .callbackExecutor(Runnable::run)
            .build()) {
      peer.handle("echo", (ctx, body) -> body.as(Long.class));
      peer.start();
      lower.listener.connected(link);

      call(lower, 1);
      assertTrue(link.firstSendEntered.await(30, TimeUnit.SECONDS), "call 1's reply is sending");
      // With the reply's send under the scheduler lock, admitting the next calls would wait for it.
      var admitted =
          io.submit(
              () -> {
                call(lower, 2);
                call(lower, 3);
              });
      admitted.get(30, TimeUnit.SECONDS);
      link.release.countDown();

      assertTrue(link.sent.await(30, TimeUnit.SECONDS), "every reply was sent");
      List<Long> seqs = new ArrayList<>();
      synchronized (link.headers) {
        for (Header h : link.headers) {
          assertEquals(MessageType.RESULT, h.type());
          seqs.add(h.seq());
        }
      }
      assertEquals(1L, seqs.get(0), "the stuck reply first");
      assertEquals(Set.of(1L, 2L, 3L), Set.copyOf(seqs));
    } finally {
      link.release.countDown();
      handlers.shutdownNow();
      io.shutdownNow();
    }
  }
}
