package io.callosum.gateway;

import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Not a test: a small driver that measures, in one run, what one gateway hop pair costs (client ->
 * gateway A -> CurveZMQ link -> gateway B -> server) against a direct TCP connection: calls per
 * second with 64 calls in flight, and the median latency of sequential calls (msgpack echo of a
 * small integer, loopback). Run with the test class path: {@code java -cp ...
 * io.callosum.lower.tcp.GatewayHopCost}.
 */
public final class GatewayHopCost {
  private static final int WARMUP = 20_000;
  private static final int SEQUENTIAL = 5_000;
  private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(3);

  private GatewayHopCost() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    TcpTransport direct = new TcpTransport();
    try (Clusters c = Clusters.start(TcpOptions.defaults());
        Peer directServer =
            echo(Peer.builder().transport(direct).bind("tcp://127.0.0.1:0").build());
        Peer tunnelServer =
            echo(Peer.builder().transport(c.viaB).bind("tunnel://B/s-echo").build());
        ConnectedPeer directClient =
            Peer.builder().transport(direct).connect(directServer.address()).build().start();
        ConnectedPeer tunnelClient =
            Peer.builder().transport(c.viaA).connect("tunnel://B/s-echo").build().start()) {
      for (int r = 1; r <= rounds; r++) {
        double[] d = measure(directClient);
        double[] g = measure(tunnelClient);
        System.out.printf(
            "round %d: direct %,.0f calls/s, p50 %.0f us | gateways %,.0f calls/s, p50 %.0f us |"
                + " ratio throughput %.2f, latency %.2f%n",
            r, d[0], d[1], g[0], g[1], g[0] / d[0], g[1] / d[1]);
      }
    }
  }

  private static Peer echo(Peer p) {
    p.handle("echo", (ctx, body) -> body.value());
    return p.start();
  }

  /** {calls per second with 64 in flight, p50 sequential latency in microseconds}. */
  private static double[] measure(ConnectedPeer client) throws Exception {
    for (int i = 0; i < WARMUP; i++) {
      client.invoke("echo", i).get(10, TimeUnit.SECONDS);
    }
    long[] lat = new long[SEQUENTIAL];
    for (int i = 0; i < SEQUENTIAL; i++) {
      long t0 = System.nanoTime();
      client.invoke("echo", i).get(10, TimeUnit.SECONDS);
      lat[i] = System.nanoTime() - t0;
    }
    Arrays.sort(lat);
    Semaphore inFlight = new Semaphore(64);
    AtomicLong done = new AtomicLong();
    long start = System.nanoTime();
    long end = start + WINDOW_NANOS;
    while (System.nanoTime() < end) {
      inFlight.acquire();
      CompletableFuture<Object> f = client.invoke("echo", 1);
      f.whenComplete(
          (v, e) -> {
            done.incrementAndGet();
            inFlight.release();
          });
    }
    inFlight.acquire(64);
    double seconds = (System.nanoTime() - start) / 1e9;
    return new double[] {done.get() / seconds, lat[SEQUENTIAL / 2] / 1000.0};
  }
}
