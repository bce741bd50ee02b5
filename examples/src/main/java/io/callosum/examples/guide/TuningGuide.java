package io.callosum.examples.guide;

import io.callosum.BoundPeer;
import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.CallOutcome;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The snippets of the user guide's section "Tuning" (docs/GUIDE.md): executors, and compression of
 * big bodies.
 */
final class TuningGuide {
  private TuningGuide() {}

  /** A TCP server and client that run everything on their I/O threads; returns the handler's. */
  static Object directExecutor() {
    // guide:directExecutor
    try (BoundPeer server = Peer.builder().directExecutor().bind("tcp://127.0.0.1:0").build()) {
      // short and never blocking: it runs on the lower's I/O thread
      server.handle("where", (ctx, body) -> Thread.currentThread().getName());
      server.start();

      try (ConnectedPeer client =
          Peer.builder().directExecutor().connect(server.address()).build().start()) {
        return client.invoke("where", null).join(); // "callosum-tcp-io-..."
      }
    }
    // end guide:directExecutor
  }

  /** A server whose handlers run on a pool of its own; returns the handler's thread name. */
  static Object handlerPool() {
    AtomicInteger threads = new AtomicInteger();
    // guide:handlerPool
    ExecutorService handlers =
        Executors.newFixedThreadPool(
            8, task -> new Thread(task, "orders-handler-" + threads.incrementAndGet()));
    try (BoundPeer server =
        Peer.builder().handlerExecutor(handlers).bind("inproc://pool").build()) {
      server.handle("where", (ctx, body) -> Thread.currentThread().getName());
      server.start();

      try (ConnectedPeer client = Peer.builder().connect("inproc://pool").build().start()) {
        return client.invoke("where", null).join(); // "orders-handler-1"
      }
    } finally {
      handlers.shutdown(); // the peer never shuts down an executor it was given
    }
    // end guide:handlerPool
  }

  /**
   * A 1 MiB body of zeros sent plain, then compressed; returns the bytes each call sent, as the
   * client's interceptor counted them.
   */
  static List<Long> compression() {
    AtomicLong sent = new AtomicLong();
    CallInterceptor bytesOut =
        new CallInterceptor() {
          @Override
          public void finished(CallInfo call, CallOutcome outcome) {
            sent.set(outcome.bytesOut());
          }
        };
    try (BoundPeer server =
            Peer.builder().compressReplies(true).bind("inproc://store").build().start();
        ConnectedPeer client =
            Peer.builder().interceptor(bytesOut).connect("inproc://store").build()) {
      server.handle("store", (ctx, body) -> body.bytes().length);
      client.start();
      // guide:compression
      byte[] snapshot = new byte[1 << 20]; // 1 MiB of zeros
      client.call("store").compress(true).invoke(snapshot).join(); // about 49 KB on the wire
      // end guide:compression
      long compressed = sent.get();
      client.call("store").invoke(snapshot).join();
      return List.of(sent.get(), compressed);
    }
  }
}
