package io.callosum.lower.zmq.internal;

import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutSender;
import io.callosum.lower.zmq.ZmqOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

/**
 * A PUB (broadcast) or PUSH (pipeline) socket. Offers go to a bounded queue that the I/O thread
 * moves into the socket: a PUB never refuses (ZeroMQ drops items for subscribers at their
 * high-water mark); a PUSH refuses while no connected worker has room, and the thread then waits
 * for the socket to become writable. A broadcast item is three frames (topic, header, body), so
 * that SUB sockets filter on the topic; a pipeline item is one frame ({@link #pipelineFrame}):
 * jeromq's PUSH can split a multipart message over two workers when a pipe fills mid-message.
 */
public final class ZmqFanoutSender extends FanoutSocket implements FanoutSender {
  private final Runnable writable;
  private final ArrayBlockingQueue<FanoutItem> queue;
  private final AtomicBoolean drainPosted = new AtomicBoolean();
  private final AtomicBoolean wantsRoom = new AtomicBoolean();
  private volatile boolean closed;

  private ZmqFanoutSender(
      SharedContext shared, URI address, FanoutConfig config, ZmqOptions options, Runnable writable)
      throws IOException {
    super(
        shared,
        address,
        config,
        options,
        config.pattern() == FanoutPattern.BROADCAST ? "pub" : "push");
    this.writable = writable;
    this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
  }

  public static ZmqFanoutSender create(
      SharedContext shared, URI address, FanoutConfig config, ZmqOptions options, Runnable writable)
      throws IOException {
    Addresses.toZmq(
        address, config.bind()); // a bad address is refused before any resource is taken
    return launch(
        config, options, () -> new ZmqFanoutSender(shared, address, config, options, writable));
  }

  @Override
  protected ZMQ.Socket open() throws IOException {
    socket =
        openSocket(config.pattern() == FanoutPattern.BROADCAST ? SocketType.PUB : SocketType.PUSH);
    return socket;
  }

  @Override
  public boolean offer(FanoutItem item) {
    if (closed) {
      return false;
    }
    if (!queue.offer(item)) {
      wantsRoom.set(true);
      // The I/O thread may have made room before it could see the flag: try once more.
      if (!queue.offer(item)) {
        return false;
      }
    }
    // One hand-off per burst: the loop moves everything queued by then into the socket at once.
    if (!drainPosted.get() && drainPosted.compareAndSet(false, true) && !loop.post(this::drain)) {
      drainPosted.set(false);
    }
    return true;
  }

  /**
   * On the loop thread: moves queued items into the socket until it would block. A PUSH that finds
   * no worker with room stops there; jeromq signals the socket's channel when room returns ({@link
   * #ready()}).
   */
  private void drain() {
    drainPosted.set(false);
    if (socket == null || !isOpen()) {
      return;
    }
    FanoutItem item;
    while ((item = queue.peek()) != null) {
      boolean sent =
          config.pattern() == FanoutPattern.BROADCAST
              ? Frames.send(socket, item.topic(), item.header(), item.body())
              : Frames.send(socket, pipelineFrame(item));
      if (!sent) {
        break;
      }
      queue.poll();
    }
    if (queue.remainingCapacity() > 0 && wantsRoom.compareAndSet(true, false)) {
      writable.run();
    }
  }

  /** A pipeline item as one frame: topic length (u16), topic, header length (u8), header, body. */
  static byte[] pipelineFrame(FanoutItem item) {
    return ByteBuffer.allocate(3 + item.topic().length + item.header().length + item.body().length)
        .putShort((short) item.topic().length)
        .put(item.topic())
        .put((byte) item.header().length)
        .put(item.header())
        .put(item.body())
        .array();
  }

  @Override
  boolean ready() {
    if (socket == null || !isOpen()) {
      return false;
    }
    Sockets.processCommands(
        socket); // subscriptions, room returning: and the channel's signal consumed
    if (queue.isEmpty()) {
      return false;
    }
    drain();
    return true;
  }

  @Override
  public void close() {
    closed = true;
    super.close();
    queue.clear();
  }
}
