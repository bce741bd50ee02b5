package io.callosum.lower.zmq.internal;

import io.callosum.lower.Envelope;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * Envelopes handed to a loop by other threads, in batches: the first of a burst posts one drain
 * task (one wake-up of a sleeping loop), the rest only queue. A send from another thread while the
 * loop sleeps enters the loop ({@link IoLoop#tryEnter}) and goes out at once, without a wake-up. A
 * send on the loop thread itself goes out at once too, after anything still queued, so that order
 * holds for a sender whose earlier envelopes were handed over from another thread; except while the
 * socket reads a batch ({@link #holding}), when sends wait until the loop thread has queued {@link
 * #EARLY_DRAIN} of them itself ({@link #handled}) or the batch ends: the replies of direct
 * executors to a burst go out in a few sends, not one per message, and not only after the whole
 * burst. Early sends stop while a remote has a backlog (its pipe full), and a send may take the
 * signal of incoming messages: after such sends the batch reads on until a receive finds nothing,
 * and looks again at its end. What waits here counts in its link's holder of the memory budget
 * until it is handed to the sender or dropped, and waits for its link ({@link ZmqLink#waits}).
 * Thread-safe.
 */
final class SendQueue {
  private record Item(ZmqLink link, Envelope envelope) {}

  private final IoLoop loop;
  private final BiConsumer<ZmqLink, Envelope> sender;
  private final ConcurrentLinkedQueue<Item> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainPosted = new AtomicBoolean();

  /**
   * How many envelopes the loop thread queues itself during a batch read before they are sent, in
   * the middle of the batch ({@link #handled}).
   */
  static final int EARLY_DRAIN = 16;

  /** Loop thread: the socket is reading a batch; sends wait for the end of {@link #holding}. */
  private boolean held;

  /** Loop thread: envelopes it queued itself during the batch since they were last sent. */
  private int queuedByLoop;

  /**
   * {@code sender} sends one envelope, on the loop thread or on a thread that entered the loop
   * ({@link IoLoop#tryEnter}).
   */
  SendQueue(IoLoop loop, BiConsumer<ZmqLink, Envelope> sender) {
    this.loop = loop;
    this.sender = sender;
  }

  /** Sends or queues {@code envelope}; false if the loop has ended. */
  boolean add(ZmqLink link, Envelope envelope) {
    if (loop.inLoop()) {
      if (held) {
        queue(link, envelope);
        queuedByLoop++;
      } else {
        drain();
        sender.accept(link, envelope);
      }
      return true;
    }
    if (loop.tryEnter()) {
      try {
        drain();
        sender.accept(link, envelope);
      } finally {
        loop.exit();
      }
      return true;
    }
    queue(link, envelope);
    if (!drainPosted.get() && drainPosted.compareAndSet(false, true) && !loop.post(this::drain)) {
      clear();
      return false;
    }
    return true;
  }

  private void queue(ZmqLink link, Envelope envelope) {
    link.memory().add(envelope.size());
    link.waits();
    queue.add(new Item(link, envelope));
  }

  /** The next item, no longer counted; null if none. */
  private Item poll() {
    Item item = queue.poll();
    if (item != null) {
      item.link().memory().release(item.envelope().size());
      item.link().moved();
    }
    return item;
  }

  /**
   * Runs {@code batch} (a socket reading, loop thread) with sends held; then everything queued goes
   * out.
   */
  boolean holding(BooleanSupplier batch) {
    held = true;
    try {
      return batch.getAsBoolean();
    } finally {
      held = false;
      drain();
    }
  }

  /**
   * Called by a socket's batch read after each message it handled (loop thread, inside {@link
   * #holding}): once the loop thread has queued {@link #EARLY_DRAIN} envelopes itself (the replies
   * and next calls of direct executors), everything queued goes out, so the remote starts on the
   * first replies while the rest of the batch is read and handled; but only while {@code calm}: no
   * remote of the socket has a backlog (a pipe at its high-water mark). While one has, sends wait
   * for the batch's end as they always did, when the socket's I/O thread has had the longest time
   * to take what fills that pipe. Envelopes of other threads (default executors) do not count: sent
   * in more, smaller groups they only cost more wake-ups of jeromq's I/O thread.
   *
   * @param calm whether no remote of the socket has messages waiting for room in its pipe
   */
  void handled(boolean calm) {
    if (calm && queuedByLoop >= EARLY_DRAIN) {
      drain();
    }
  }

  /** Sends everything queued (loop thread, or one that entered the loop). */
  void drain() {
    drainPosted.set(false);
    queuedByLoop = 0;
    Item item;
    while ((item = poll()) != null) {
      sender.accept(item.link(), item.envelope());
    }
  }

  /** Drops everything queued (on close, or when the loop has ended). */
  void clear() {
    while (poll() != null) {
      // each one released as it goes
    }
  }
}
