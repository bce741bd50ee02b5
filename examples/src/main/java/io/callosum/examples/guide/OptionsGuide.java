package io.callosum.examples.guide;

import io.callosum.BoundPeer;
import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.CallOutcome;
import io.callosum.ConnectedPeer;
import io.callosum.Limits;
import io.callosum.LoggingInterceptor;
import io.callosum.Ordering;
import io.callosum.Peer;
import io.callosum.PeerListener;
import io.callosum.RemotePeer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The snippets of the user guide's section "Builder options" (docs/GUIDE.md): a peer with most of
 * its options set, and an interceptor and a listener that observe calls and connections.
 */
final class OptionsGuide {
  private OptionsGuide() {}

  /** A peer with its options set, bound at {@code inproc://orders}; not started. */
  static BoundPeer configuredServer() {
    // guide:options
    BoundPeer server =
        Peer.builder()
            .name("orders") // in thread names and logs
            .ordering(Ordering.KEY_SERIALIZED) // how calls sharing an order key are run here
            .defaultTimeout(Duration.ofSeconds(30)) // for calls this peer makes without one
            .executionTimeout(Duration.ofMinutes(5)) // handlers running longer are cancelled
            .limits(Limits.builder().maxMessageSize(4 << 20).maxConcurrentCalls(64).build())
            .stackTracesInReplies(true) // callers see the handlers' stack traces
            .compressReplies(true) // every result snappy-compressed
            .streamWindow(64, 1 << 20) // buffer of each incoming stream: items, bytes
            .chunkSize(128 << 10) // bigger bodies travel in chunks of this size
            .interceptor(new LoggingInterceptor()) // one line per call, logger io.callosum.calls
            .bind("inproc://orders")
            .build();
    // end guide:options
    return server;
  }

  /** A connected peer whose start gives up after 2 s; not started. */
  static ConnectedPeer impatientClient() {
    // guide:connectTimeout
    ConnectedPeer client =
        Peer.builder()
            .defaultTimeout(Duration.ofSeconds(5))
            .connect("inproc://orders")
            .connectTimeout(Duration.ofSeconds(2)) // an option of the connecting role only
            .build();
    // end guide:connectTimeout
    return client;
  }

  /** What the interceptor and the listener of {@link #observedServer} saw. */
  record Observed(Map<String, LongAdder> failures, AtomicInteger clients) {}

  /**
   * A server at {@code address} with an interceptor counting failed calls per method and a listener
   * counting connected clients; the counts go to {@code observed}. Not started.
   */
  static BoundPeer observedServer(String address, Observed observed) {
    Map<String, LongAdder> failures = observed.failures();
    AtomicInteger clients = observed.clients();
    // guide:observe
    CallInterceptor failureCounter =
        new CallInterceptor() {
          @Override
          public void finished(CallInfo call, CallOutcome outcome) {
            // called on any thread, once per call: keep it short, never block
            if (!outcome.isSuccess()) {
              failures.computeIfAbsent(call.method(), m -> new LongAdder()).increment();
            }
          }
        };
    PeerListener connections =
        new PeerListener() {
          @Override
          public void connected(RemotePeer remote) {
            clients.incrementAndGet();
          }

          @Override
          public void disconnected(RemotePeer remote, Throwable cause) {
            clients.decrementAndGet(); // cause: null when the remote closed in order
          }
        };
    BoundPeer server =
        Peer.builder().interceptor(failureCounter).listener(connections).bind(address).build();
    // end guide:observe
    return server;
  }

  /** An empty {@link Observed}. */
  static Observed newObserved() {
    return new Observed(new ConcurrentHashMap<>(), new AtomicInteger());
  }
}
