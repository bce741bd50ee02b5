package io.callosum.lower.redis.internal;

import io.lettuce.core.resource.EventLoopGroupProvider;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The I/O threads one endpoint's Redis client may use: one event loop of the transport's shared
 * group, so that the endpoint's connections (and their reconnects) stay on the I/O thread {@link
 * ClientThreads} chose for it. Lettuce asks its client's resources for a group when the client
 * connects and registers each connection with it; an event loop is a group of one. A group of
 * another type (a Unix socket's, which this lower does not use) comes from the shared provider.
 * Nothing is shut down here: the loop belongs to the transport's resources. Thread-safe.
 */
final class OneIoThread implements EventLoopGroupProvider {
  private final EventLoopGroupProvider shared;
  private final Class<? extends EventLoopGroup> type;
  private final EventLoop loop;

  OneIoThread(EventLoopGroupProvider shared, Class<? extends EventLoopGroup> type, EventLoop loop) {
    this.shared = shared;
    this.type = type;
    this.loop = loop;
  }

  @Override
  @SuppressWarnings("unchecked") // an event loop of the group of that type: what Lettuce needs
  public <T extends EventLoopGroup> T allocate(Class<T> type) {
    return type == this.type ? (T) loop : shared.allocate(type);
  }

  @Override
  public int threadPoolSize() {
    return 1;
  }

  @Override
  public Future<Boolean> release(
      EventExecutorGroup group, long quietPeriod, long timeout, TimeUnit unit) {
    return group == loop
        ? ImmediateEventExecutor.INSTANCE.newSucceededFuture(true)
        : shared.release(group, quietPeriod, timeout, unit);
  }

  @Override
  public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
    return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
  }
}
