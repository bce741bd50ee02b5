package io.callosum.lower.redis.internal;

import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Transports;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The Lettuce client resources (Netty event loops and executors) one transport shares between its
 * endpoints: made when the first endpoint opens, shut down {@code idleTimeout} after the last one
 * closes unless another opens meanwhile. Threads are named {@code callosum-redis-...}.
 *
 * <p>Each endpoint gets one executor of the resources for its work (its loop) and one I/O thread
 * for both its connections, the next of each in turn: endpoints are spread over the {@code
 * ioThreads} executors and I/O threads. (Netty's own choice, {@code next()}, is no spread: Lettuce
 * takes executors and I/O threads from the same groups, in step with the endpoints, so every
 * endpoint had the same loop, and every writer connection one I/O thread and every reader the
 * other.) Thread-safe.
 */
public final class ClientThreads {
  private final int ioThreads;
  private final Duration idleTimeout;
  private ClientResources resources;
  private List<EventExecutor> loops;
  private List<EventLoop> io;
  private Class<? extends EventLoopGroup> ioType;
  private int turn;
  private int users;
  private long generation;

  /**
   * What one endpoint uses: resources whose I/O thread is the endpoint's own (for its client; to be
   * {@linkplain #release released}), and its loop.
   */
  public record Lease(ClientResources resources, EventExecutor loop) {}

  public ClientThreads(int ioThreads, Duration idleTimeout) {
    this.ioThreads = ioThreads;
    this.idleTimeout = idleTimeout;
  }

  /**
   * An endpoint's share of the resources (made if needed): the next loop and I/O thread in turn.
   * Every call is paired with one {@link #release}.
   */
  public synchronized Lease acquire() {
    if (resources == null) {
      resources =
          DefaultClientResources.builder()
              .ioThreadPoolSize(ioThreads)
              .computationThreadPoolSize(ioThreads)
              .commandLatencyRecorder(CommandLatencyRecorder.disabled())
              .threadFactoryProvider(ClientThreads::named)
              .build();
      loops = new ArrayList<>();
      resources.eventExecutorGroup().forEach(loops::add);
      ioType = Transports.eventLoopGroupClass();
      io = new ArrayList<>();
      resources.eventLoopGroupProvider().allocate(ioType).forEach(e -> io.add((EventLoop) e));
      turn = 0;
    }
    int mine = turn++; // wraps after 2^31 endpoints: floorMod keeps it an index
    // The transport's resources with the endpoint's I/O thread. mutate() copies whether the
    // original owns its parts; set again, they are shared: this one owns nothing to shut down.
    ClientResources own =
        resources
            .mutate()
            .eventExecutorGroup(resources.eventExecutorGroup())
            .timer(resources.timer())
            .commandLatencyRecorder(resources.commandLatencyRecorder())
            .eventLoopGroupProvider(
                new OneIoThread(
                    resources.eventLoopGroupProvider(),
                    ioType,
                    io.get(Math.floorMod(mine, io.size()))))
            .build();
    users++;
    generation++;
    return new Lease(own, loops.get(Math.floorMod(mine, loops.size())));
  }

  /** One endpoint is done with its lease. */
  public void release(Lease lease) {
    lease.resources().shutdown(0, 0, TimeUnit.SECONDS).syncUninterruptibly(); // ends nothing
    ClientResources now;
    long gen;
    synchronized (this) {
      if (--users > 0) {
        return;
      }
      now = resources;
      gen = generation;
    }
    if (idleTimeout.isZero()) {
      shutdownIfIdle(now, gen);
      return;
    }
    var unused =
        now.eventExecutorGroup()
            .schedule(
                () -> shutdownIfIdle(now, gen), idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Endpoints using the resources now. */
  public synchronized int users() {
    return users;
  }

  private void shutdownIfIdle(ClientResources r, long gen) {
    synchronized (this) {
      if (users > 0 || generation != gen || resources != r) {
        return;
      }
      resources = null;
    }
    var unused = r.shutdown(0, 2, TimeUnit.SECONDS); // its threads end by themselves
  }

  /** Netty's thread factory (its threads make Netty's thread-locals fast), with our names. */
  private static ThreadFactory named(String pool) {
    return new DefaultThreadFactory(
        "callosum-redis-" + pool.replaceAll("[^A-Za-z]", "").toLowerCase(Locale.ROOT), true);
  }
}
