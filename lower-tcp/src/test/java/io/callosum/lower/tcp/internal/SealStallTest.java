package io.callosum.lower.tcp.internal;

import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A sender sealing a big frame on one connection (CURVE: ~1.2 ms per 64 KiB, ~100 ms for 16 MiB)
 * must not stall the I/O loop, and with it every other connection of the transport: the loop opens
 * records without waiting for that connection's sealing lock.
 */
class SealStallTest {
  @RegisterExtension final Closer closer = new Closer();
  private final CountDownLatch sealing = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  /** ToySecurity whose seal of a big frame takes as long as the test wants (a slow cipher). */
  private ConnectionSecurity slowSealing(String name) {
    ToySecurity toy = ToySecurity.client(name);
    return new ConnectionSecurity() {
      @Override
      public String mechanism() {
        return toy.mechanism();
      }

      @Override
      public List<byte[]> start() {
        return toy.start();
      }

      @Override
      public List<byte[]> receive(byte[] frame) throws SecurityFailure {
        return toy.receive(frame);
      }

      @Override
      public boolean established() {
        return toy.established();
      }

      @Override
      public String userId() {
        return toy.userId();
      }

      @Override
      public byte[] open(byte[] frame) throws SecurityFailure {
        return toy.open(frame);
      }

      @Override
      public byte[] seal(byte[] plaintext) {
        if (plaintext.length > 100_000) {
          sealing.countDown();
          try {
            release.await(Await.LIMIT.toMillis() * 2, TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return toy.seal(plaintext);
      }
    };
  }

  private Peer server() {
    Peer p =
        closer.later(
            Peer.builder()
                .transport(
                    new Hub(
                        TcpOptions.builder().build(),
                        NullSecurity::new,
                        () -> ToySecurity.server(n -> "user:" + n)))
                .bind("tcp://127.0.0.1:0")
                .name("server")
                .defaultTimeout(Await.LIMIT)
                .build());
    p.handle("echo", (ctx, body) -> body.value());
    p.handle(
        "afterSealing",
        (ctx, body) -> sealing.await(Await.LIMIT.toMillis(), TimeUnit.MILLISECONDS));
    return p.start();
  }

  @Test
  void aSlowSealOnOneConnectionDoesNotStallTheOthers() throws Exception {
    Peer s1 = server();
    Peer s2 = server();
    Hub client =
        new Hub(TcpOptions.builder().build(), () -> slowSealing("alice"), NullSecurity::new);
    ConnectedPeer x =
        closer
            .later(
                Peer.builder()
                    .transport(client)
                    .connect(s1.address())
                    .defaultTimeout(Await.LIMIT)
                    .build())
            .start();
    ConnectedPeer y =
        closer
            .later(
                Peer.builder()
                    .transport(client)
                    .connect(s2.address())
                    .defaultTimeout(Await.LIMIT)
                    .build())
            .start();
    try {
      CompletableFuture<Object> reply =
          x.invoke("afterSealing", null); // answered while x seals: the loop opens it
      CompletableFuture<Object> big =
          CompletableFuture.supplyAsync(() -> x.invokeAndWait("echo", new byte[200_000]));
      Await.until("x is sealing a big frame", () -> sealing.getCount() == 0);
      Await.result(reply);
      CompletableFuture<Object> other = y.invoke("echo", 7);
      Await.until(
          "a call on another connection of the loop is served while x seals", other::isDone);
    } finally {
      release.countDown();
    }
  }
}
