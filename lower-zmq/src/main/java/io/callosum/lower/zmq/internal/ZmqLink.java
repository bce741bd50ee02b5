package io.callosum.lower.zmq.internal;

import io.callosum.ConnectionLostException;
import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.MemoryBudget;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One remote of a ZeroMQ endpoint: a routing id on a ROUTER, or the one server of a DEALER. What is
 * held for it counts in its holder of the transport's memory budget, closed with the link. It
 * counts the messages for the remote that wait beyond its socket, so that a broadcast sender over
 * links ({@link #backlogFull}) holds back while the remote reads, only slower than items come.
 */
final class ZmqLink implements Link {
  private final String id;
  private final Capabilities capabilities;
  private final String identity;
  private final Sender sender;
  private final MemoryBudget.Holder memory;
  private volatile boolean open = true;

  /**
   * Messages for the remote that wait beyond its socket: handed to the endpoint's loop and not sent
   * yet, or kept by the endpoint because the remote's pipe was at its high-water mark (any thread).
   */
  private final AtomicInteger waiting = new AtomicInteger();

  /** When a waiting message last went on, or the first one began to wait ({@code nanoTime}). */
  private volatile long movedAt = System.nanoTime();

  /** {@link #backlogFull} from this many waiting messages on. */
  private final int fullAt;

  /** How long waiting messages may not move before the remote counts as not reading. */
  private final long stallNanos;

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

  /**
   * @param highWaterMark the endpoint's high-water mark: {@link #backlogFull} from half as many
   *     waiting messages on (the endpoint disconnects a remote with that many beyond its pipe)
   * @param stallNanos how long waiting messages may not move before {@link #backlogFull} takes the
   *     remote for one that does not read (the heartbeat interval)
   */
  ZmqLink(
      String id,
      Capabilities capabilities,
      String identity,
      Sender sender,
      MemoryBudget.Holder memory,
      int highWaterMark,
      long stallNanos) {
    this.id = id;
    this.capabilities = capabilities;
    this.identity = identity;
    this.sender = sender;
    this.memory = memory;
    this.fullAt = Math.max(1, highWaterMark / 2);
    this.stallNanos = stallNanos;
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

  /** A message for the remote begins to wait beyond its socket. Any thread. */
  void waits() {
    if (waiting.getAndIncrement() == 0) {
      movedAt = System.nanoTime();
    }
  }

  /** A waiting message went on: into the socket, on to the next wait, or dropped. Any thread. */
  void moved() {
    if (waiting.decrementAndGet() > 0) {
      movedAt = System.nanoTime(); // with none left, the next to wait sets it (waits)
    }
  }

  /**
   * Whether messages for the remote wait and none has moved for the stall time: the remote does not
   * read. Any thread.
   */
  boolean stalled() {
    return waiting.get() > 0 && System.nanoTime() - movedAt > stallNanos;
  }

  /** How many messages for the remote wait beyond its socket now (for tests). Any thread. */
  int waiting() {
    return waiting.get();
  }

  /**
   * Whether half the high-water mark's worth of messages waits beyond the remote's socket while it
   * still takes them: a broadcast sender then refuses the item for its publisher to try again. A
   * remote whose waiting messages have not moved for the stall time does not read; it is not waited
   * for (its messages go on waiting, until the endpoint disconnects it).
   */
  @Override
  public boolean backlogFull(long bytes) {
    return waiting.get() >= fullAt && System.nanoTime() - movedAt <= stallNanos;
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
