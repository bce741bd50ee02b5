package io.callosum.lower.zmq.internal;

import io.callosum.ConnectionLostException;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.MemoryBudget;
import java.util.Optional;

/**
 * One remote of a ZeroMQ endpoint: a routing id on a ROUTER, or the one server of a DEALER. What is
 * held for it counts in its holder of the transport's memory budget, closed with the link.
 */
final class ZmqLink implements Link {
  private final String id;
  private final Capabilities capabilities;
  private final String identity;
  private final Sender sender;
  private final MemoryBudget.Holder memory;
  private volatile boolean open = true;

  /** Whether anything came from the remote since the last {@link #silence} (loop thread only). */
  private boolean heard;

  /** When a {@link #silence} last found the remote heard (loop thread only). */
  private long lastHeard = System.nanoTime();

  /** Whether it was sent a PING since it was last heard (loop thread only). */
  private boolean asked;

  /** Queues envelopes for the endpoint's I/O thread. */
  interface Sender {
    boolean send(ZmqLink link, Envelope envelope);

    void close(ZmqLink link);
  }

  ZmqLink(
      String id,
      Capabilities capabilities,
      String identity,
      Sender sender,
      MemoryBudget.Holder memory) {
    this.id = id;
    this.capabilities = capabilities;
    this.identity = identity;
    this.sender = sender;
    this.memory = memory;
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

  boolean isOpen() {
    return open;
  }

  @Override
  public MemoryBudget.Holder memory() {
    return memory;
  }

  /** Loop thread: a message (of any kind) came from the remote. */
  void heard() {
    heard = true;
  }

  /**
   * Loop thread, once per heartbeat interval: how long the remote has said nothing, in nanoseconds
   * as of {@code now}; 0 if it was heard since the previous call. Each call starts a new period.
   */
  long silence(long now) {
    if (heard) {
      heard = false;
      asked = false;
      lastHeard = now;
    }
    return now - lastHeard;
  }

  /** Loop thread: it was sent a PING because it was quiet. */
  void asked() {
    asked = true;
  }

  /**
   * Loop thread: whether it was sent a PING since it was last heard (as of the last {@link
   * #silence}), so that silence means it did not answer, not only that no one asked.
   */
  boolean wasAsked() {
    return asked;
  }

  /** Marks the link closed (its holder has no reserve any more); true the first time. */
  boolean markClosed() {
    boolean was = open;
    open = false;
    if (was) {
      memory.close();
    }
    return was;
  }

  @Override
  public void send(Envelope envelope) {
    if (!open || !sender.send(this, envelope)) {
      throw new ConnectionLostException("ZeroMQ connection " + id + " is closed");
    }
  }

  @Override
  public void close() {
    sender.close(this);
  }

  @Override
  public String toString() {
    return "ZmqLink(" + id + ")";
  }
}
