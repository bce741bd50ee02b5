package io.callosum.examples.guide;

import io.callosum.Body;
import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.StreamCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;

/**
 * The snippets of the user guide's section "Streams" (docs/GUIDE.md): server, client and
 * bidirectional streams, the {@link Flow} views, and credit.
 */
final class StreamsGuide {
  private StreamsGuide() {}

  /** Registers the stream handlers of this section on {@code server}. */
  static void handlers(BoundPeer server) {
    // guide:serverStreamHandler
    server.handleStream(
        "countdown",
        (ctx, arg, upstream, downstream) -> {
          for (int i = arg.as(Integer.class); i > 0; i--) {
            downstream.send(i); // waits for credit: a slow reader slows this loop down
          }
          return "liftoff"; // the call's result, after the last item
        });
    // end guide:serverStreamHandler
    // guide:clientStreamHandler
    server.handleStream(
        "sum",
        (ctx, arg, upstream, downstream) -> {
          long sum = 0;
          for (Body item; (item = upstream.take()) != null; ) { // null: the caller completed
            sum += item.as(Long.class);
          }
          return sum;
        });
    // end guide:clientStreamHandler
    // guide:bidiStreamHandler
    server.handleStream(
        "shout",
        (ctx, arg, upstream, downstream) -> {
          for (Body item; (item = upstream.take()) != null; ) {
            downstream.send(item.as(String.class).toUpperCase(Locale.ROOT));
          }
          return null;
        });
    // end guide:bidiStreamHandler
  }

  /** Reads the countdown from 3; returns the items, then the result. */
  static List<Object> serverStream(ConnectedPeer client) throws InterruptedException {
    // guide:serverStream
    StreamCall call = client.call("countdown").serverStream(3);
    List<Object> items = new ArrayList<>();
    for (Body item; (item = call.downstream().take()) != null; ) {
      items.add(item.value()); // 3, 2, 1
    }
    Object result = call.result().join(); // "liftoff"
    // end guide:serverStream
    items.add(result);
    return items;
  }

  /** Sends 1..100 upstream; returns the handler's sum, 5050. */
  static Object clientStream(ConnectedPeer client) throws InterruptedException {
    // guide:clientStream
    StreamCall call = client.call("sum").clientStream(null);
    for (int i = 1; i <= 100; i++) {
      call.upstream().send(i); // waits for credit: the handler grants it as it takes items
    }
    call.upstream().complete();
    Object total = call.result().join(); // 5050
    // end guide:clientStream
    return total;
  }

  /** Sends two words and reads each answer; returns the answers. */
  static List<Object> bidiStream(ConnectedPeer client) throws InterruptedException {
    // guide:bidiStream
    StreamCall call = client.call("shout").bidiStream(null);
    call.upstream().send("hello");
    Object first = call.downstream().take().value(); // "HELLO"
    call.upstream().send("again");
    Object second = call.downstream().take().value(); // "AGAIN"
    call.upstream().complete(); // the handler's loop ends, and so does the call
    // end guide:bidiStream
    call.result().join();
    return List.of(first, second);
  }

  /** The client stream fed by a publisher; returns the handler's sum, 5050. */
  static Object subscriber(ConnectedPeer client) {
    // guide:subscriber
    StreamCall call = client.call("sum").clientStream(null);
    try (SubmissionPublisher<Integer> numbers = new SubmissionPublisher<>()) {
      numbers.subscribe(call.upstream().subscriber()); // requests only as credit allows
      for (int i = 1; i <= 100; i++) {
        numbers.submit(i);
      }
    } // closing the publisher completes the stream
    Object total = call.result().join(); // 5050
    // end guide:subscriber
    return total;
  }

  /** The countdown from 5, read through a publisher; returns the items. */
  static List<Body> publisher(ConnectedPeer client) {
    // guide:publisher
    StreamCall call = client.call("countdown").serverStream(5);
    List<Body> items = collect(call.downstream().publisher()).join(); // five items: 5 to 1
    // end guide:publisher
    call.result().join();
    return items;
  }

  // guide:collect
  /** Every item of {@code publisher}, once it completes. */
  static <T> CompletableFuture<List<T>> collect(Flow.Publisher<T> publisher) {
    CompletableFuture<List<T>> all = new CompletableFuture<>();
    publisher.subscribe(
        new Flow.Subscriber<T>() {
          private final List<T> items = new ArrayList<>();

          @Override
          public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE); // the stream's credit still bounds the buffer
          }

          @Override
          public void onNext(T item) {
            items.add(item);
          }

          @Override
          public void onError(Throwable failure) {
            all.completeExceptionally(failure);
          }

          @Override
          public void onComplete() {
            all.complete(items);
          }
        });
    return all;
  }

  // end guide:collect

  /**
   * A handler that offers items until the caller's window is full, to a caller that grants 4;
   * returns how many were accepted (4) and how many wait to be read (4).
   */
  static List<Object> credit() {
    // guide:credit
    try (BoundPeer server = Peer.builder().bind("inproc://feed").build()) {
      server.handleStream(
          "feed",
          (ctx, arg, upstream, downstream) -> {
            int sent = 0;
            while (downstream.offer("item " + sent)) { // false: no credit left, nothing sent
              sent++;
            }
            return sent;
          });
      server.start();

      try (ConnectedPeer client =
          Peer.builder().streamWindow(4, 1 << 20).connect("inproc://feed").build().start()) {
        StreamCall call = client.call("feed").serverStream(null);
        Object accepted = call.result().join(); // 4: this peer buffers at most 4 items of a stream
        int waiting = call.downstream().buffered(); // 4, to be taken as usual
        return List.of(accepted, waiting);
      }
    }
    // end guide:credit
  }
}
