package io.callosum.lower.redis.internal;

import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The Lettuce client resources (Netty event loops and executors) one transport shares between its
 * endpoints: made when the first endpoint opens, shut down {@code idleTimeout} after the last one
 * closes unless another opens meanwhile. Threads are named {@code callosum-redis-...}. Thread-safe.
 */
public final class ClientThreads {
  private final int ioThreads;
  private final Duration idleTimeout;
  private ClientResources resources;
  private int users;
  private long generation;

  public ClientThreads(int ioThreads, Duration idleTimeout) {
    this.ioThreads = ioThreads;
    this.idleTimeout = idleTimeout;
  }

  /** The resources, made if needed; every call is paired with one {@link #release}. */
  public synchronized ClientResources acquire() {
    if (resources == null) {
      resources =
          DefaultClientResources.builder()
              .ioThreadPoolSize(ioThreads)
              .computationThreadPoolSize(ioThreads)
              .commandLatencyRecorder(CommandLatencyRecorder.disabled())
              .threadFactoryProvider(ClientThreads::named)
              .build();
    }
    users++;
    generation++;
    return resources;
  }

  /** One endpoint is done with the resources. */
  public void release() {
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

  /** An executor of the shared resources for one endpoint's work, in order. */
  public static EventExecutor loopOf(ClientResources resources) {
    return resources.eventExecutorGroup().next();
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
