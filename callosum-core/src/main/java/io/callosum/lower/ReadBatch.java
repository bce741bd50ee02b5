package io.callosum.lower;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wake-ups deferred to the end of a lower's read round. A lower's I/O thread that hands over many
 * messages in one round (what one {@code select} or one socket read brought) brackets the round
 * with {@link #begin()} and {@link #end()}; a consumer the core makes ready during the round (a
 * fan-out receiver's handler thread, a thread waiting in {@code take()}) is then woken once, at the
 * end, instead of once per message. Waking a parked thread is a system call and, across cores, an
 * interrupt: per message it cost more than the message itself (16 fan-out receivers in one process
 * meant 16 wake-ups per item).
 *
 * <p>A thread that never begins a round wakes consumers at once ({@link #runAtEnd} runs the task
 * there and then), so a lower that does not use this class stays correct. Rounds nest; the
 * outermost {@link #end()} runs the deferred tasks. Per thread: each method acts on the calling
 * thread's round only.
 */
public final class ReadBatch {
  private static final Logger LOG = LoggerFactory.getLogger(ReadBatch.class);

  private static final ThreadLocal<ReadBatch> CURRENT = ThreadLocal.withInitial(ReadBatch::new);

  private int depth;
  private boolean handsOverAtEnd;
  private final List<Runnable> atEnd = new ArrayList<>();

  private ReadBatch() {}

  /** The calling thread starts a read round (its I/O thread, before it hands messages over). */
  public static void begin() {
    CURRENT.get().depth++;
  }

  /**
   * As {@link #begin()}, and the tasks the round gives the peer's default executors (calls for the
   * handler pool, completions for the callback pool) are handed over together at its end, one
   * hand-over and at most one wake-up for the round, instead of each as it is read. For a lower
   * whose I/O thread reads a batch more slowly than a pool's thread runs what it hands over (the
   * ZeroMQ lower: every frame is a jeromq call), so that the pool's thread would otherwise be
   * woken, run one task and park again many times per batch. Takes effect when it starts the
   * outermost round.
   */
  public static void beginHandingOverAtEnd() {
    ReadBatch b = CURRENT.get();
    if (b.depth == 0) {
      b.handsOverAtEnd = true;
    }
    b.depth++;
  }

  /**
   * Whether the calling thread is in a read round begun with {@link #beginHandingOverAtEnd()}: an
   * executor then holds what it is given until the round's end ({@link #runAtEnd}).
   */
  public static boolean handsOverAtEnd() {
    ReadBatch b = CURRENT.get();
    return b.depth > 0 && b.handsOverAtEnd;
  }

  /**
   * The calling thread's read round ends: the tasks deferred during it run now, in the order they
   * were deferred. Call it in a {@code finally} after {@link #begin()}, before the thread waits for
   * more input.
   */
  public static void end() {
    ReadBatch b = CURRENT.get();
    if (b.depth == 0) {
      throw new IllegalStateException("ReadBatch.end() without begin()");
    }
    if (--b.depth > 0) {
      return;
    }
    b.handsOverAtEnd = false;
    for (Runnable task : b.atEnd) {
      try {
        task.run();
      } catch (RuntimeException e) {
        LOG.error("a wake-up deferred to the end of a read round failed", e);
      }
    }
    b.atEnd.clear();
  }

  /** Whether the calling thread is in a read round (between {@link #begin()} and its end). */
  public static boolean inRound() {
    return CURRENT.get().depth > 0;
  }

  /**
   * Runs {@code task} (a wake-up, which must not block) at the end of the calling thread's read
   * round, or now if the thread is not in one. The caller defers one task per consumer and round,
   * however many messages it handed over.
   */
  public static void runAtEnd(Runnable task) {
    ReadBatch b = CURRENT.get();
    if (b.depth == 0) {
      task.run();
    } else {
      b.atEnd.add(task);
    }
  }
}
