package io.callosum.examples.scheduler;

import io.callosum.BoundPeer;
import io.callosum.Peer;
import io.callosum.examples.ParentLink;
import io.callosum.fanout.Broadcaster;
import io.callosum.upper.MsgpackServices;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A worker process of {@code callosum example scheduler}: serves {@link Jobs} over TCP, running
 * {@code slots} jobs at a time (the others wait in arrival order), each taking {@code millis} on a
 * clock and no CPU, and broadcasts its free capacity to the requester after every job and every
 * {@value #REFRESH_MILLIS} ms (which also reaches a requester that subscribed late, and replaces an
 * advert that was dropped).
 *
 * <p>Calls arrive on the peer's I/O thread (the handler only queues the job: {@code
 * directExecutor}); jobs end, and replies and adverts leave, on the clock's thread.
 *
 * <p>{@code main(INDEX, MILLIS, SLOTS, ADVERTS_ADDRESS)} prints {@code READY <address>} and serves
 * until its stdin ends ({@link ParentLink}).
 */
public final class Worker implements Jobs {
  static final long REFRESH_MILLIS = 100;

  private final int index;
  private final long millis;
  private final int slots;
  private final ScheduledExecutorService clock;
  private final Broadcaster adverts;

  /** Jobs waiting for a slot; guarded by {@code this}, as are the counts and publishing. */
  private final Queue<Job> waiting = new ArrayDeque<>();

  private int running;
  private long accepted;

  private record Job(long number, CompletableFuture<Long> done) {}

  Worker(int index, long millis, int slots, ScheduledExecutorService clock, Broadcaster adverts) {
    this.index = index;
    this.millis = millis;
    this.slots = slots;
    this.clock = clock;
    this.adverts = adverts;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      throw new IllegalArgumentException("usage: Worker INDEX MILLIS SLOTS ADVERTS_ADDRESS");
    }
    int index = Integer.parseInt(args[0]);
    ScheduledExecutorService clock =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "worker-clock");
              t.setDaemon(true);
              return t;
            });
    try (Broadcaster adverts =
            Broadcaster.builder().connect(args[3]).queueCapacity(10_000).build();
        BoundPeer peer =
            Peer.builder()
                .name("worker-" + index)
                .directExecutor() // the handler only queues: no thread hop per call
                .bind("tcp://127.0.0.1:0")
                .build()) {
      Worker worker =
          new Worker(index, Long.parseLong(args[1]), Integer.parseInt(args[2]), clock, adverts);
      MsgpackServices.bind(peer, Jobs.class, worker);
      peer.start();
      var unused =
          clock.scheduleAtFixedRate(worker::advertise, 0, REFRESH_MILLIS, TimeUnit.MILLISECONDS);
      ParentLink.ready(peer.address());
      ParentLink.awaitEnd();
    } finally {
      clock.shutdownNow();
    }
  }

  @Override
  public CompletableFuture<Long> run(long job) {
    Job j = new Job(job, new CompletableFuture<>());
    synchronized (this) {
      accepted++;
      if (running < slots) {
        running++;
        start(j);
      } else {
        waiting.add(j);
      }
    }
    return j.done();
  }

  /** Under the lock: the job takes {@code millis} of time. */
  private void start(Job j) {
    var unused = clock.schedule(() -> finish(j), millis, TimeUnit.MILLISECONDS);
  }

  private void finish(Job j) {
    synchronized (this) {
      Job next = waiting.poll();
      if (next == null) {
        running--;
      } else {
        start(next);
      }
      advertise();
    }
    j.done().complete(j.number());
  }

  /** Publishes this worker's capacity now. */
  synchronized void advertise() {
    long free = (long) slots - running - waiting.size();
    adverts.publish(Jobs.ADVERTS, new Jobs.Capacity(index, free, accepted));
  }
}
