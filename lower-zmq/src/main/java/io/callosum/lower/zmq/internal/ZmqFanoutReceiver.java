package io.callosum.lower.zmq.internal;

import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutListener;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.zmq.ZmqOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

/**
 * A SUB (broadcast, subscribed to the topic prefixes) or PULL (pipeline) socket. The I/O thread
 * reads while the core has room; when the core says it is full, the socket leaves the poller, so
 * ZeroMQ's queues fill up behind it (the receiver's, then the sender's high-water mark).
 */
public final class ZmqFanoutReceiver extends FanoutSocket implements FanoutReceiver {
  /** Messages read per wake-up before other work gets a turn. */
  private static final int BATCH = 512;

  private final List<String> topics;
  private final FanoutListener listener;
  private ZMQ.Poller poller;
  private boolean reading;

  private ZmqFanoutReceiver(SharedContext shared, URI address, FanoutConfig config, ZmqOptions options, List<String> topics,
      FanoutListener listener) throws IOException {
    super(shared, address, config, options, config.pattern() == FanoutPattern.BROADCAST ? "sub" : "pull");
    this.topics = List.copyOf(topics);
    this.listener = listener;
  }

  public static ZmqFanoutReceiver create(SharedContext shared, URI address, FanoutConfig config, ZmqOptions options, List<String> topics,
      FanoutListener listener) throws IOException {
    return launch(config, options, () -> new ZmqFanoutReceiver(shared, address, config, options, topics, listener));
  }

  @Override
  protected void open(ZMQ.Poller poller) {
    this.poller = poller;
    boolean broadcast = config.pattern() == FanoutPattern.BROADCAST;
    socket = openSocket(broadcast ? SocketType.SUB : SocketType.PULL);
    if (broadcast) {
      for (String t : topics.isEmpty() ? List.of("") : topics) {
        socket.subscribe(t.getBytes(StandardCharsets.UTF_8));
      }
    }
    setReading(true);
  }

  private void setReading(boolean on) {
    if (on != reading) {
      reading = on;
      if (on) {
        poller.register(socket, ZMQ.Poller.POLLIN);
      } else {
        poller.unregister(socket);
      }
    }
  }

  @Override
  protected void pollIn(ZMQ.Poller poller) {
    if (!reading || !poller.pollin(1)) {
      return;
    }
    for (int i = 0; i < BATCH; i++) {
      List<byte[]> frames = Frames.receive(socket);
      if (frames == null) {
        return;
      }
      FanoutItem item = config.pattern() == FanoutPattern.BROADCAST ? broadcastItem(frames) : pipelineItem(frames);
      if (item == null) {
        continue;
      }
      if (!listener.received(item)) {
        setReading(false);
        return;
      }
    }
  }

  /** A broadcast item: three frames (topic, header, body); null (counted) for anything else. */
  private FanoutItem broadcastItem(List<byte[]> frames) {
    if (frames.size() != 3) {
      listener.malformed("a message of " + (frames.isEmpty() ? "too many" : String.valueOf(frames.size())) + " frame(s) (expected 3: topic, header, body)");
      return null;
    }
    return new FanoutItem(frames.get(0), frames.get(1), frames.get(2));
  }

  /** A pipeline item: one frame (see {@link ZmqFanoutSender#pipelineFrame}); null (counted) for anything else. */
  private FanoutItem pipelineItem(List<byte[]> frames) {
    if (frames.size() != 1) {
      listener.malformed("a message of " + (frames.isEmpty() ? "too many" : String.valueOf(frames.size())) + " frame(s) (expected 1)");
      return null;
    }
    java.nio.ByteBuffer f = java.nio.ByteBuffer.wrap(frames.get(0));
    try {
      byte[] topic = new byte[Short.toUnsignedInt(f.getShort())];
      f.get(topic);
      byte[] header = new byte[Byte.toUnsignedInt(f.get())];
      f.get(header);
      byte[] body = new byte[f.remaining()];
      f.get(body);
      return new FanoutItem(topic, header, body);
    } catch (java.nio.BufferUnderflowException e) {
      listener.malformed("a frame of " + frames.get(0).length + " bytes that is not an item (topic or header past its end)");
      return null;
    }
  }

  @Override
  public void resume() {
    post(() -> {
      if (socket != null) {
        setReading(true);
      }
    });
  }
}
