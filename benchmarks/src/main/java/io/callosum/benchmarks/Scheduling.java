package io.callosum.benchmarks;

import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.fanout.BroadcastReceiver;
import io.callosum.fanout.Broadcaster;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * P6, the Bacalhau demo: a scheduler in the harness distributes calls over {@value #WORKERS} worker
 * peers (TCP; all in one worker JVM, {@link Workers}, unless same-JVM). Each worker runs {@value
 * #SLOTS} calls at a time and queues the rest; half of the workers take 4 ms per call, the others 1
 * ms. Workers broadcast their free capacity (and how many calls they have accepted) to the
 * scheduler after every change. With {@code byCapacity} the scheduler sends each call to the worker
 * with the most free capacity by those adverts, waiting while none has any; otherwise it cycles
 * through the workers with the same {@value #SLOTS}×{@value #WORKERS} calls in flight (round-robin,
 * the comparator).
 */
final class Scheduling implements Contender {
  static final int WORKERS = 8;
  static final int SLOTS = 4;
  private static final long WAIT_SECONDS = 60;

  private final boolean byCapacity;
  private final BroadcastReceiver adverts;
  private Server workers;
  private final List<ConnectedPeer> clients = new ArrayList<>();

  /**
   * Per worker: last advertised free slots and accepted calls, and calls sent to it; guarded by
   * {@code this}.
   */
  private final long[] advertisedFree = new long[WORKERS];

  private final long[] advertisedAccepted = new long[WORKERS];
  private final long[] sent = new long[WORKERS];

  Scheduling(Host host, boolean byCapacity) throws Exception {
    this.byCapacity = byCapacity;
    adverts = Peers.valueReceiver("tcp://127.0.0.1:0", 10_000, this::advert);
    try {
      workers = host.open(name(), Role.SCHEDULING_WORKERS, adverts.address());
      for (int i = 0; i < WORKERS; i++) {
        clients.add(Peers.client("bench-scheduler-" + i, workers.ready().get(i), null, true));
      }
      Fanout.sync(this::allAdvertised, () -> workers.request("advertise"), name());
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  private synchronized boolean allAdvertised() {
    for (long free : advertisedFree) {
      if (free == 0) {
        return false;
      }
    }
    return true;
  }

  private void advert(Object value) {
    Map<?, ?> m = (Map<?, ?>) value;
    int w = ((Number) m.get("w")).intValue();
    long accepted = ((Number) m.get("acc")).longValue();
    synchronized (this) {
      if (accepted
          >= advertisedAccepted[w]) { // a later advert than the one held (ties: the newest wins)
        advertisedFree[w] = ((Number) m.get("free")).longValue();
        advertisedAccepted[w] = accepted;
      }
      notifyAll();
    }
  }

  /**
   * The worker with the most free slots by its last advert, minus calls sent since; waits while
   * none has any.
   */
  private synchronized int pickByCapacity() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (true) {
      int best = -1;
      long bestFree = 0;
      for (int w = 0; w < WORKERS; w++) {
        long free = advertisedFree[w] - (sent[w] - advertisedAccepted[w]);
        if (free > bestFree) {
          best = w;
          bestFree = free;
        }
      }
      if (best >= 0) {
        sent[best]++;
        return best;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException(
            "no worker advertised free capacity for " + WAIT_SECONDS + " s");
      }
      TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
    }
  }

  @Override
  public String name() {
    return byCapacity ? "capacity-broadcast" : "round-robin";
  }

  @Override
  public void measure(Measurement m) throws Exception {
    int calls = (int) m.size(5_000, 500);
    CountDownLatch done = new CountDownLatch(calls);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Semaphore window = new Semaphore(SLOTS * WORKERS);
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      int w;
      if (byCapacity) {
        w = pickByCapacity();
      } else {
        if (!window.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)) {
          throw new IllegalStateException("no call completed for " + WAIT_SECONDS + " s");
        }
        w = i % WORKERS;
      }
      // The action records any failure and throws nothing: its own stage holds nothing more.
      var unused =
          Peers.call(clients.get(w), "work", Bench.BODY)
              .whenComplete(
                  (reply, error) -> {
                    if (error != null) {
                      failure.compareAndSet(null, error);
                    }
                    window.release();
                    done.countDown();
                  });
    }
    if (!done.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
      throw new IllegalStateException(done.getCount() + " calls never completed");
    }
    long nanos = System.nanoTime() - start;
    if (failure.get() != null) {
      throw new IllegalStateException("a call failed: " + failure.get(), failure.get());
    }
    m.put("calls_per_s", calls / (nanos / 1e9));
    m.put("total_ms", nanos / 1e6);
  }

  @Override
  public List<Server> servers() {
    return workers == null ? List.of() : List.of(workers);
  }

  @Override
  public void close() {
    for (Peer c : clients) {
      c.close();
    }
    if (workers != null) {
      workers.close();
    }
    adverts.close();
  }

  /**
   * The {@value #WORKERS} worker peers, advertising to the scheduler at {@code SCHEDULER_ADDRESS};
   * ready with their addresses; {@code advertise} makes each advertise once (until the scheduler
   * has heard them all).
   */
  static final class Workers implements Served {
    private final ScheduledExecutorService clock =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bench-worker-clock");
              t.setDaemon(true);
              return t;
            });
    private final List<Worker> workers = new ArrayList<>();

    Workers(List<String> args) {
      try {
        for (int i = 0; i < WORKERS; i++) {
          workers.add(new Worker(i, i < WORKERS / 2 ? 1 : 4, args.get(0), clock));
        }
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }

    @Override
    public List<String> ready() {
      return workers.stream().map(w -> Peers.address(w.peer)).toList();
    }

    @Override
    public String command(String name, List<String> args) {
      if (!name.equals("advertise")) {
        throw new IllegalArgumentException("unknown command " + name);
      }
      workers.forEach(Worker::advertise);
      return name;
    }

    @Override
    public void close() {
      for (Worker w : workers) {
        w.close();
      }
      clock.shutdownNow();
      try {
        clock.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * A worker peer: {@value #SLOTS} calls at a time, each taking {@code millis} on a clock (no CPU),
   * the rest queued.
   */
  private static final class Worker implements AutoCloseable {
    final int id;
    final long millis;
    final ScheduledExecutorService clock;
    final Peer peer;
    final Broadcaster advertiser;

    /** Guarded by {@code this}. */
    final ArrayDeque<CompletableFuture<Object>> queue = new ArrayDeque<>();

    int running;
    long accepted;

    Worker(int id, long millis, String schedulerAddress, ScheduledExecutorService clock) {
      this.id = id;
      this.millis = millis;
      this.clock = clock;
      advertiser = Peers.publisher(schedulerAddress, true, 10_000);
      Peer started = null;
      try {
        started =
            Peers.asyncServer("bench-worker-" + id, "tcp://127.0.0.1:0", "work", this::accept);
      } finally {
        if (started == null) {
          advertiser.close();
        }
      }
      peer = started;
    }

    private CompletableFuture<Object> accept() {
      CompletableFuture<Object> reply = new CompletableFuture<>();
      synchronized (this) {
        accepted++;
        if (running < SLOTS) {
          running++;
          run(reply);
        } else {
          queue.add(reply);
        }
      }
      return reply;
    }

    private void run(CompletableFuture<Object> reply) {
      var unused =
          clock.schedule(
              () -> {
                try {
                  finish(reply);
                } catch (RuntimeException e) { // else lost in the scheduled future
                  reply.completeExceptionally(e);
                  System.err.println("bench worker " + id + " failed: " + e);
                }
              },
              millis,
              TimeUnit.MILLISECONDS);
    }

    private void finish(CompletableFuture<Object> reply) {
      synchronized (this) {
        CompletableFuture<Object> next = queue.poll();
        if (next == null) {
          running--;
        } else {
          run(next);
        }
      }
      reply.complete(Peers.raw(Bench.BODY));
      advertise();
    }

    void advertise() {
      long free;
      long acc;
      synchronized (this) {
        free = (long) SLOTS - running;
        acc = accepted;
      }
      Peers.publish(advertiser, "capacity", Map.of("w", id, "free", free, "acc", acc));
    }

    @Override
    public void close() {
      try {
        peer.close();
      } finally {
        advertiser.close();
      }
    }
  }
}
