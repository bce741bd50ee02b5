package io.callosum.lower.tcp.internal;

import io.callosum.ConnectionLostException;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.LinkListener;
import io.callosum.lower.MemoryBudget;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One logical channel of a connection: the core's {@link Link} to one remote peer. {@link #send}
 * and {@link #close} are called from any thread; the listener is called on the loop thread only,
 * {@code connected} first and {@code disconnected} once.
 */
final class Channel implements Link {
  private static final AtomicLong IDS = new AtomicLong();

  final int number;
  final Connection connection;

  /** The client endpoint this channel serves; null at a bound endpoint. */
  final ClientEndpoint endpoint;

  private final String id;
  private final Capabilities capabilities;
  private final String identity;
  private final LinkListener listener;
  private volatile boolean open = true;

  Channel(
      int number,
      Connection connection,
      ClientEndpoint endpoint,
      Capabilities capabilities,
      String identity,
      LinkListener listener) {
    this.number = number;
    this.connection = connection;
    this.endpoint = endpoint;
    this.capabilities = capabilities;
    this.identity = identity;
    this.listener = listener;
    this.id = "tcp-" + IDS.incrementAndGet() + "(" + connection.remote + "#" + number + ")";
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public Capabilities remoteCapabilities() {
    return capabilities;
  }

  @Override
  public Optional<String> identity() {
    return Optional.ofNullable(identity);
  }

  /** The channels of one TCP connection share one fair share of the core's slots and queue. */
  @Override
  public Object connection() {
    return connection;
  }

  @Override
  public MemoryBudget.Holder memory() {
    return connection.memory();
  }

  @Override
  public void send(Envelope envelope) {
    if (!open) {
      throw new ConnectionLostException("TCP channel " + id + " is closed");
    }
    connection.sendData(this, envelope);
  }

  /**
   * True: a plain connection writes a body's pieces as they are, a sealed one copies them straight
   * into the MESSAGE it seals.
   */
  @Override
  public boolean writesBodyPieces() {
    return true;
  }

  @Override
  public boolean backlogFull(long bytes) {
    return open && connection.backlogFull(Wire.DATA_FRAME_HEADER + bytes);
  }

  @Override
  public void close() {
    if (open && !connection.loop.post(() -> connection.closeChannel(this, ""))) {
      lost(null); // the loop has ended: the connection is gone already
    }
  }

  /** Reports the channel to the listener; loop thread. */
  void announce() {
    listener.connected(this);
  }

  /** Hands a received envelope to the listener, unless the channel was closed; loop thread. */
  void deliver(Envelope e) {
    if (open) {
      listener.received(this, e);
    }
  }

  /** Marks the channel closed and reports it once; loop thread. */
  void lost(Throwable cause) {
    if (open) {
      open = false;
      listener.disconnected(this, cause);
    }
  }

  @Override
  public String toString() {
    return "Channel(" + id + ")";
  }
}
