package io.callosum;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.callosum.inproc.InProcessTransport;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.testing.SlotHog;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fair shares of the handler slots and the queue between remotes, with real peers over the
 * in-process lower (each client is a connection of its own there). The scheduling rules themselves
 * are tested on the scheduler alone (CalleeSchedulerTest); TCP plays them over sockets and
 * identities (TcpFairnessTest).
 */
class FairSharesTest {
  private static final AtomicInteger NAMES = new AtomicInteger();

  @RegisterExtension final Closer closer = new Closer();
  private final InProcessTransport transport = new InProcessTransport();

  private BoundPeer server(UnaryOperator<BoundPeer.Builder> config) {
    BoundPeer.Builder b =
        Peer.builder()
            .transport(transport)
            .bind("inproc://fair-" + NAMES.incrementAndGet())
            .name("server")
            .defaultTimeout(Await.LIMIT);
    BoundPeer p = closer.later(config.apply(b).build());
    p.handle("echo", (ctx, body) -> body.value());
    return p.start();
  }

  private ConnectedPeer client(Peer server) {
    return SlotHog.client(closer, transport, server);
  }

  @Test
  void aRemoteFillingTheHandlerSlotsDoesNotStarveAnother() throws Exception {
    SlotHog.aSlotHogDoesNotStarveAnotherRemote(this::server, this::client, this::client);
  }

  @Test
  void aRemoteFillingTheQueueLosesItsNewestWaitingCallToAnothersCall() throws Exception {
    SlotHog.aFullQueueCutsTheRemoteHoldingTheMost(this::server, this::client, this::client);
  }

  @Test
  void aWeightFunctionThatFailsOrAnswersBelowOneCountsAsOne() {
    for (ToIntFunction<Optional<String>> weights :
        List.<ToIntFunction<Optional<String>>>of(
            identity -> 0,
            identity -> {
              throw new IllegalStateException("no weight");
            })) {
      BoundPeer server = server(b -> b.shareWeights(weights));
      assertEquals("served", client(server).invokeAndWait("echo", "served"));
    }
  }
}
