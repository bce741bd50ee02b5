package io.callosum.benchmarks;

import io.callosum.Payload;
import io.callosum.Peer;
import io.callosum.lower.Transport;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.lower.zmq.ZmqTransport;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * P7: many idle client peers connected to one bound peer, both ends in this JVM. Heap (after GC)
 * and live threads are read before opening and once every connection is established; the
 * difference per connection is what one costs (client and server side together). Everything is
 * closed at the end of each measurement and the thread count must come back.
 */
final class Scale implements Contender {
  private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(120);
  /** Threads the JDK starts on first use and keeps: not the connections'. */
  private static final Set<String> JDK_THREADS = Set.of("process reaper", "Common-Cleaner", "Attach Listener");

  private final String name;
  private final long full;
  private final long quick;
  private final Supplier<Transport> transport;
  private final String bindAddress;

  private Scale(String name, long full, long quick, Supplier<Transport> transport, String bindAddress) {
    this.name = name;
    this.full = full;
    this.quick = quick;
    this.transport = transport;
    this.bindAddress = bindAddress;
  }

  /** 10,000 channels over TCP: one transport per side, so they ride one connection (the channel limit raised). */
  static Contender tcpChannels() {
    return new Scale("callosum-tcp-channels", 10_000, 200,
        () -> new TcpTransport(TcpOptions.builder().maxChannelsPerConnection(20_000).build()), "tcp://127.0.0.1:0");
  }

  /**
   * 200 ZeroMQ connections: each client peer has its own DEALER socket, TCP connection and loop
   * thread, and connects in ~0.2 s on this machine, which bounds how many a round can open.
   */
  static Contender zmq() {
    return new Scale("callosum-zmq", 200, 5, ZmqTransport::new, "zmq+tcp://127.0.0.1:0");
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void measure(Measurement m) throws Exception {
    int n = (int) m.size(full, quick);
    Transport serverTransport = transport.get();
    Transport clientTransport = transport.get();
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    int threadsBefore = threads();
    long heapBefore = heapAfterGc();
    List<Peer> clients = new ArrayList<>(n);
    Peer server = Peer.builder().name(name + "-scale-server").bind(bindAddress).transport(serverTransport).build();
    try {
      server.handle("echo", (context, body) -> Payload.wrap(body.bytes()));
      server.start();
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        clients.add(Peer.builder().name(name + "-scale-" + i).connect(server.address()).transport(clientTransport)
            .build().start());
      }
      // connected both ways: the last client's call answered, and the server sees every remote
      clients.get(n - 1).call("echo").invokeRaw(Payload.wrap(Bench.BODY)).get(60, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + WAIT_NANOS;
      while (server.remotes().size() < n) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("the server sees " + server.remotes().size() + " of " + n + " clients");
        }
        Thread.sleep(10);
      }
      double openSeconds = (System.nanoTime() - start) / 1e9;
      long heapOpen = heapAfterGc();
      int threadsOpen = threads();
      m.put("heap_KiB_per_conn", (heapOpen - heapBefore) / 1024.0 / n);
      m.put("threads_per_1k_conn", (threadsOpen - threadsBefore) * 1000.0 / n);
      m.put("connections", n);
      m.put("open_s", openSeconds);
    } finally {
      closeAll(clients);
      server.close();

      if (clientTransport instanceof AutoCloseable c) {
        c.close();
      }
      if (serverTransport instanceof AutoCloseable c) {
        c.close();
      }
    }
    // every thread the connections started must end; the JDK's own helpers may stay
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    List<String> left = leftOver(before);
    while (!left.isEmpty() && System.nanoTime() - deadline < 0) {
      Thread.sleep(10);
      left = leftOver(before);
    }
    if (!left.isEmpty()) {
      throw new IllegalStateException(name + ": threads left after closing: " + left);
    }
  }

  /** Live threads that were not in {@code before}, other than the JDK's own helpers. */
  private static List<String> leftOver(Set<Thread> before) {
    List<String> left = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && !before.contains(t) && !JDK_THREADS.contains(t.getName())) {
        left.add(t.getName());
      }
    }
    return left;
  }

  /** Closes the clients 16 at a time: a ZeroMQ peer lingers ~0.1 s in close, which one by one adds up to minutes. */
  private static void closeAll(List<Peer> clients) throws InterruptedException {
    ExecutorService closers = Executors.newFixedThreadPool(16);
    try {
      for (Peer c : clients) {
        closers.execute(c::close);
      }
    } finally {
      closers.shutdown();
      if (!closers.awaitTermination(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException("closing " + clients.size() + " peers took more than 120 s");
      }
    }
  }

  private static int threads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  private static long heapAfterGc() {
    Runtime runtime = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return runtime.totalMemory() - runtime.freeMemory();
  }

  @Override
  public void close() {
    // each measurement closes what it opened
  }
}
