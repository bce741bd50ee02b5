package io.callosum.examples.guide;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Ordering;
import io.callosum.Peer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The snippets of the user guide's section "Ordering" (docs/GUIDE.md): the key-serialized and the
 * return-ordered policies, and a callback chain on one key.
 */
final class OrderingGuide {
  private OrderingGuide() {}

  /** Three calls on one key to a key-serialized server; returns the order the handler saw them. */
  static List<Object> keySerialized() {
    List<Object> journal = new CopyOnWriteArrayList<>();
    // guide:keySerialized
    try (BoundPeer server =
        Peer.builder().ordering(Ordering.KEY_SERIALIZED).bind("inproc://ledger").build()) {
      server.handle("append", (ctx, body) -> journal.add(body.value()));
      server.start();

      try (ConnectedPeer client = Peer.builder().connect("inproc://ledger").build().start()) {
        List<CompletableFuture<Object>> calls = new ArrayList<>();
        for (String entry : List.of("open", "deposit", "close")) {
          calls.add(client.call("append").orderKey("account-17").invoke(entry));
        }
        calls.forEach(CompletableFuture::join); // journal: [open, deposit, close], always
      }
    }
    // end guide:keySerialized
    return journal;
  }

  /**
   * Two calls on one key to a return-ordered server: the second runs while the first waits for it,
   * and the first's reply still arrives first. Returns the results in the order their futures
   * completed.
   */
  static List<Object> returnOrdered() throws InterruptedException {
    CountDownLatch fastRan = new CountDownLatch(1);
    List<Object> completed = new CopyOnWriteArrayList<>();
    ExecutorService inReplyOrder = Executors.newSingleThreadExecutor();
    try {
      // guide:returnOrdered
      try (BoundPeer server =
          Peer.builder().ordering(Ordering.KEY_RETURN_ORDERED).bind("inproc://lookup").build()) {
        server.handle(
            "lookup",
            (ctx, body) -> {
              if (body.value().equals("slow")) {
                fastRan.await(10, TimeUnit.SECONDS); // runs at the same time as "fast"
              } else {
                fastRan.countDown();
              }
              return body.value();
            });
        server.start();

        try (ConnectedPeer client =
            Peer.builder()
                .callbackExecutor(inReplyOrder) // one thread: futures complete in reply order
                .connect("inproc://lookup")
                .build()
                .start()) {
          CompletableFuture<Object> slow = client.call("lookup").orderKey("u9").invoke("slow");
          CompletableFuture<Object> fast = client.call("lookup").orderKey("u9").invoke("fast");
          CompletableFuture.allOf(slow.thenAccept(completed::add), fast.thenAccept(completed::add))
              .join(); // completed: [slow, fast]
        }
      }
      // end guide:returnOrdered
    } finally {
      inReplyOrder.shutdown(); // a peer never shuts down an executor it was given
    }
    return completed;
  }

  /**
   * A callback chain on one key of a key-serialized server: the server calls its client back while
   * it holds the key, and the client calls in again on that key. Returns the outer call's result,
   * 100, which needs the chain to run without waiting for itself.
   */
  static Object callChain() {
    // guide:callChain
    try (BoundPeer server =
        Peer.builder().ordering(Ordering.KEY_SERIALIZED).bind("inproc://bank").build()) {
      server.handle(
          "withdraw", // holds key account-17 while it asks the caller to approve
          (ctx, body) ->
              ctx.caller().call("approve").orderKey("account-17").invokeAndWait(body.value()));
      server.handle("balance", (ctx, body) -> 100);
      server.start();

      try (ConnectedPeer client = Peer.builder().connect("inproc://bank").build()) {
        client.handle(
            "approve", // nested in withdraw: runs at once although withdraw holds the key
            (ctx, body) -> ctx.caller().call("balance").orderKey("account-17").invokeAndWait(null));
        client.start();
        return client.call("withdraw").orderKey("account-17").invoke(50).join(); // 100
      }
    }
    // end guide:callChain
  }
}
