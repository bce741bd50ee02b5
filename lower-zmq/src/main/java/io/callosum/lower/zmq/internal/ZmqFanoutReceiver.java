package io.callosum.lower.zmq.internal;

import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutListener;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.zmq.ZmqOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

/**
 * A SUB (broadcast, subscribed to the topic prefixes) or PULL (pipeline) socket. The I/O thread
 * reads while the core has room; when the core says it is full, the socket leaves the poller, so
 * ZeroMQ's queues fill up behind it (the receiver's, then the sender's high-water mark).
 */
public final class ZmqFanoutReceiver extends FanoutSocket implements FanoutReceiver {
  /** Items read per round before other sockets of the loop get a turn. */
  private static final int BATCH = 512;

  /** The prefixes subscribed to (loop thread once open). */
  private Set<String> topics;

  private final FanoutListener listener;
  private boolean reading;

  private ZmqFanoutReceiver(
      SharedContext shared,
      URI address,
      FanoutConfig config,
      ZmqOptions options,
      List<String> topics,
      FanoutListener listener)
      throws IOException {
    super(
        shared,
        address,
        config,
        options,
        config.pattern() == FanoutPattern.BROADCAST ? "sub" : "pull");
    this.topics = new LinkedHashSet<>(topics.isEmpty() ? List.of("") : topics);
    this.listener = listener;
  }

  public static ZmqFanoutReceiver create(
      SharedContext shared,
      URI address,
      FanoutConfig config,
      ZmqOptions options,
      List<String> topics,
      FanoutListener listener)
      throws IOException {
    Addresses.toZmq(
        address, config.bind()); // a bad address is refused before any resource is taken
    return launch(
        config,
        options,
        () -> new ZmqFanoutReceiver(shared, address, config, options, topics, listener));
  }

  @Override
  protected ZMQ.Socket open() throws IOException {
    boolean broadcast = config.pattern() == FanoutPattern.BROADCAST;
    socket = openSocket(broadcast ? SocketType.SUB : SocketType.PULL);
    if (broadcast) {
      for (String t : topics) {
        socket.subscribe(t.getBytes(StandardCharsets.UTF_8));
      }
    }
    reading = true;
    return socket;
  }

  /**
   * Reads a batch while the core has room. When it is full, reading stops (the items stay in
   * ZeroMQ's queues, which fill up behind them) until {@link #resume()}.
   */
  @Override
  boolean ready() {
    if (socket == null || !isOpen()) {
      return false;
    }
    if (!reading) {
      Sockets.processCommands(socket); // consumes the channel's signal, or the loop would spin
      return false;
    }
    for (int i = 0; i < BATCH; i++) {
      List<byte[]> frames = Frames.receive(socket);
      if (frames == null) {
        return i > 0;
      }
      FanoutItem item =
          config.pattern() == FanoutPattern.BROADCAST
              ? broadcastItem(frames)
              : pipelineItem(frames);
      if (item == null) {
        continue;
      }
      if (!listener.received(item)) {
        reading = false;
        return true;
      }
    }
    loop.again(this); // more may be waiting: after the other sockets had their turn
    return true;
  }

  /** A broadcast item: three frames (topic, header, body); null (counted) for anything else. */
  private FanoutItem broadcastItem(List<byte[]> frames) {
    if (frames.size() != 3) {
      listener.malformed(
          "a message of "
              + (frames.isEmpty() ? "too many" : String.valueOf(frames.size()))
              + " frame(s) (expected 3: topic, header, body)");
      return null;
    }
    return new FanoutItem(frames.get(0), frames.get(1), frames.get(2));
  }

  /**
   * A pipeline item: one frame (see {@link ZmqFanoutSender#pipelineFrame}); null (counted) for
   * anything else.
   */
  private FanoutItem pipelineItem(List<byte[]> frames) {
    if (frames.size() != 1) {
      listener.malformed(
          "a message of "
              + (frames.isEmpty() ? "too many" : String.valueOf(frames.size()))
              + " frame(s) (expected 1)");
      return null;
    }
    ByteBuffer f = ByteBuffer.wrap(frames.get(0));
    try {
      byte[] topic = new byte[Short.toUnsignedInt(f.getShort())];
      f.get(topic);
      byte[] header = new byte[Byte.toUnsignedInt(f.get())];
      f.get(header);
      byte[] body = new byte[f.remaining()];
      f.get(body);
      return new FanoutItem(topic, header, body);
    } catch (BufferUnderflowException e) {
      listener.malformed(
          "a frame of "
              + frames.get(0).length
              + " bytes that is not an item (topic or header past its end)");
      return null;
    }
  }

  /**
   * Subscribes to {@code prefixes} from now on instead of what it subscribed to (a broadcast
   * receiver shared by several, as they come and go); any thread.
   */
  void subscribe(Set<String> prefixes) {
    Set<String> wanted = new LinkedHashSet<>(prefixes.isEmpty() ? List.of("") : prefixes);
    loop.execute(
        () -> {
          if (socket != null) {
            for (String t : wanted) {
              if (!topics.contains(t)) {
                socket.subscribe(t.getBytes(StandardCharsets.UTF_8));
              }
            }
            for (String t : topics) {
              if (!wanted.contains(t)) {
                socket.unsubscribe(t.getBytes(StandardCharsets.UTF_8));
              }
            }
          }
          topics = wanted;
        });
  }

  @Override
  public void resume() {
    loop.execute(
        () -> {
          if (socket != null && !reading) {
            reading = true;
            loop.again(this); // the items waiting gave their signal while nobody read
          }
        });
  }
}
