package io.callosum.lower.zmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.OverloadedException;
import io.callosum.Peer;
import io.callosum.lower.MemoryBudget;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ZeroMQ lower's memory budget: each remote is a holder; what the core holds for it counts
 * there, so its calls are refused as overloaded once it holds more than the budget allows, while
 * another remote is served; and everything is let go.
 */
class ZmqMemoryBudgetTest {
  private static final long BUDGET = 1 << 20;

  @RegisterExtension final Closer closer = new Closer();

  @Test
  void callsPastTheBudgetAreRefusedAsOverloadedWhileAnotherRemoteIsServed() throws Exception {
    ZmqTransport transport = new ZmqTransport(ZmqOptions.defaults().withMemoryBudget(BUDGET));
    MemoryBudget budget = transport.memoryBudget();
    BoundPeer server =
        closer.later(
            Peer.builder()
                .transport(transport)
                .bind("zmq+tcp://127.0.0.1:0")
                .name("server")
                .build());
    CountDownLatch release = new CountDownLatch(1);
    server.handle(
        "hold",
        (ctx, body) -> {
          release.await();
          return ((byte[]) body.value()).length;
        });
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    ConnectedPeer hog = client(server.address());
    ConnectedPeer other = client(server.address());
    assertEquals("before", other.invokeAndWait("echo", "before"));

    List<CompletableFuture<Object>> held = new ArrayList<>();
    OverloadedException refused = null;
    for (int i = 0; i < 16 && refused == null; i++) {
      CompletableFuture<Object> call = hog.invoke("hold", new byte[128 << 10]);
      long taken = (i + 1) * (128L << 10);
      Await.until("the call is taken or refused", () -> call.isDone() || budget.held() >= taken);
      if (call.isDone()) {
        refused = (OverloadedException) Await.failure(call);
      } else {
        held.add(call);
      }
    }
    assertTrue(refused != null, "the budget refused the hog's calls: " + budget);
    assertTrue(refused.getMessage().contains("ZmqOptions.memoryBudget"), refused.getMessage());
    assertTrue(budget.peak() <= BUDGET, budget.toString());
    assertEquals("served", other.invokeAndWait("echo", "served"));

    release.countDown();
    // Its reserve and all but the other's reserve: 768 KiB, five calls of 128 KiB and their
    // framing.
    assertEquals(5, held.size());
    for (CompletableFuture<Object> call : held) {
      assertEquals(128 << 10, Await.result(call));
    }
    Await.until("the budget held for no one", () -> budget.held() == 0, budget::toString);
    hog.close();
    other.close();
    Await.until("no holders once the remotes are gone", () -> budget.holders() == 0);
  }

  private ConnectedPeer client(String address) {
    return closer.later(
        Peer.builder()
            .transport(new ZmqTransport())
            .connect(address)
            .defaultTimeout(Await.LIMIT)
            .build()
            .start());
  }
}
