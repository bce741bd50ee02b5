package io.callosum.internal;

import io.callosum.Limits;
import io.callosum.OrderKey;
import io.callosum.Ordering;
import io.callosum.lower.Envelope;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Decides, for the calls remotes make to this peer, when each may run and when its reply may leave:
 * admission against {@link Limits#maxConcurrentCalls}, {@link Limits#maxQueuedCalls} and {@link
 * Limits#maxBufferedBytes}; the peer's {@link Ordering} per order key; call-chain reentrancy (see
 * ORDERING.md); return-ordered replies; cancelling calls that still wait.
 *
 * <p>Decisions in, decisions out: it runs nothing, sends nothing, owns no thread and reads no
 * clock. Its owner ({@link IncomingCalls}) reports what happens to a call ({@link #admit}, {@link
 * #replied}, {@link #exited}, {@link #cancel}) and acts on the answer: the calls to start now, the
 * replies that may leave now and in which order. Not thread-safe: the owner calls it under one
 * lock, and sends the replies {@link #replied} releases while still holding it, so that ordered
 * replies leave in order even when several handlers finish at once.
 *
 * <p>Remotes share the slots and the queue fairly ({@link FairShares}): a free slot goes to the
 * waiting remote with the fewest running calls per unit of weight, and when the queue is full the
 * remote holding the most gives up its newest waiting call to an arriving call of another. Both
 * choose only among calls that may run or wait: the ordering rules come first.
 *
 * @param <C> the owner's call type
 */
final class CalleeScheduler<C extends CalleeScheduler.Entry> {
  /** Where a call is in its life. */
  enum State {
    /** Not admitted (yet, or refused). */
    NEW,
    /** Waiting behind the call that holds its key ({@link Ordering#KEY_SERIALIZED}). */
    QUEUED_KEY,
    /** Waiting for a free handler slot. */
    QUEUED_SLOT,
    /** Handed to its owner to start (or started). */
    RUNNING,
    /**
     * Taken out of its queue without running (cancelled, or cut for another remote); the owner
     * answers it and reports it {@link #exited}.
     */
    REMOVED,
    /** Its handler is gone, or it was removed before it ran. */
    EXITED
  }

  /**
   * One call as the scheduler sees it; the owner's call type extends it. Guarded by the owner's
   * lock.
   */
  static class Entry {
    final OrderKey key;

    /** What the remote that made the call holds here. */
    final FairShares.Share share;

    /**
     * Bytes the call holds against {@link Limits#maxBufferedBytes} while admitted (its body, its
     * upstream window).
     */
    final long charge;

    State state = State.NEW;

    /** Nested in a call this peer serves on the same key: bypasses the key's order. */
    boolean nested;

    /**
     * Its reply keeps its key's order (an ordering policy, and not nested): it must leave whole,
     * not in chunks.
     */
    boolean keyOrdered;

    /** Nested in any call this peer serves: never waits for a handler slot. */
    boolean slotExempt;

    boolean holdsSlot;

    /** The reply was reported ({@link #replied}); it may still be held for return ordering. */
    boolean replied;

    /** In its key's queue of replies to leave in arrival order. */
    boolean inReplyOrder;

    /** A reply held back for return ordering, then released to the owner. */
    Envelope reply;

    /** Why {@link #admit} refused the call, or why it was cut from the queue; null if neither. */
    String refusal;

    /** Its neighbours among its remote's waiting calls (see {@link FairShares#queued}). */
    Entry olderQueued;

    Entry newerQueued;

    Entry(OrderKey key, FairShares.Share share, long charge) {
      this.key = key;
      this.share = share;
      this.charge = charge;
    }

    /**
     * {@code bytes} more (or, negative, fewer) are held for this call: where its owner counts them
     * beyond this scheduler (the remote's memory budget).
     */
    void held(long bytes) {}

    /** Takes the reply {@link #replied} released with this call (null: nobody to send it to). */
    Envelope takeReply() {
      Envelope r = reply;
      reply = null;
      return r;
    }
  }

  /**
   * Per order key: the call holding it and those waiting for it, or the replies to leave in order.
   */
  private static final class KeyState<C> {
    C holder;

    /** Made on first use: most keys never have a second call waiting. */
    ArrayDeque<C> waiting;

    ArrayDeque<C> replies;

    boolean idle() {
      return holder == null
          && (waiting == null || waiting.isEmpty())
          && (replies == null || replies.isEmpty());
    }
  }

  private final Ordering ordering;
  private final int maxConcurrent;

  /** Calls in progress or queued beyond which a call is refused (no int overflow). */
  private final long admissionLimit;

  private final long maxBufferedBytes;
  private final Map<OrderKey, KeyState<C>> keys = new HashMap<>();
  private final FairShares<C> shares = new FairShares<>();
  private int running;
  private int admitted;
  private long buffered;

  CalleeScheduler(Ordering ordering, Limits limits) {
    this.ordering = ordering;
    this.maxConcurrent = limits.maxConcurrentCalls();
    this.admissionLimit = (long) limits.maxConcurrentCalls() + limits.maxQueuedCalls();
    this.maxBufferedBytes = limits.maxBufferedBytes();
  }

  /**
   * A call arrived. {@code ancestors} are the calls this peer serves from inside which a callback
   * is in flight that {@code call}'s chain names (see ORDERING.md). Returns the calls to start now
   * (the call itself, promoted ancestors, or none when it waits), or null if it is refused, with
   * {@link Entry#refusal} saying why; a refused call holds nothing and is never reported again.
   *
   * <p>When calls in progress or queued are at their limit, a waiting call of the remote holding
   * the most may be cut to make room ({@link FairShares#victimFor}): it is handed to {@code cut},
   * with its {@link Entry#refusal}, taken out of its queue; the owner answers it and reports it
   * {@link #exited} (it counts until then), as for a cancelled one.
   */
  List<C> admit(C call, List<? extends Entry> ancestors, Consumer<? super C> cut) {
    if (buffered > 0 && buffered + call.charge > maxBufferedBytes) {
      call.refusal =
          buffered + " bytes of calls and stream windows held (limit " + maxBufferedBytes + ")";
      return null;
    }
    if (admitted >= admissionLimit) {
      // Nested calls count too, so nothing escapes this bound.
      String full = admitted + " calls in progress or queued (limit " + admissionLimit + ")";
      C victim = shares.victimFor(call.share);
      if (victim == null) {
        call.refusal = full;
        return null;
      }
      dequeue(victim);
      victim.refusal =
          "cut from the queue for a call of another remote: "
              + full
              + ", and this remote held the most ("
              + victim.share
              + ")";
      cut.accept(victim);
    }
    classify(call, ancestors);
    call.keyOrdered = ordering != Ordering.NONE && !call.nested;
    admitted++;
    shares.addCall(call.share, 1);
    hold(call, call.charge);
    if (ordering == Ordering.NONE || call.nested) {
      return slotFor(call, null);
    }
    KeyState<C> ks = keys.computeIfAbsent(call.key, k -> new KeyState<>());
    if (ordering == Ordering.KEY_RETURN_ORDERED) {
      if (ks.replies == null) {
        ks.replies = new ArrayDeque<>(4);
      }
      ks.replies.add(call);
      call.inReplyOrder = true;
      List<C> start = slotFor(call, null);
      if (call.slotExempt) {
        // Its reply waits for those before it: none of them may wait for a slot that the chain's
        // blocked ancestors hold.
        for (C earlier : ks.replies) {
          start = promote(earlier, start);
        }
      }
      return start;
    }
    if (ks.holder == null) {
      ks.holder = call;
      return slotFor(call, null);
    }
    setState(call, State.QUEUED_KEY);
    if (ks.waiting == null) {
      ks.waiting = new ArrayDeque<>(4);
    }
    ks.waiting.add(call);
    return call.slotExempt
        ? promote(ks.holder, List.of())
        : List.of(); // the key's holder must not wait for a slot either
  }

  /**
   * Marks {@code call} slot-exempt when an ancestor is being served (admitted and not exited), and
   * nested when that ancestor holds the same key under an ordering policy.
   */
  private void classify(C call, List<? extends Entry> ancestors) {
    for (Entry ancestor : ancestors) {
      if (ancestor.state == State.NEW
          || ancestor.state == State.REMOVED
          || ancestor.state == State.EXITED) {
        continue; // not being served
      }
      call.slotExempt = true;
      if (ordering != Ordering.NONE && ancestor.key.equals(call.key)) {
        call.nested = true;
      }
    }
  }

  /** Starts {@code c} without a free slot if it waits for one: a nested call waits on it. */
  private List<C> promote(C c, List<C> start) {
    if (c.state != State.QUEUED_SLOT) {
      return start;
    }
    shares.leaveSlotQueue(c);
    c.slotExempt = true;
    return slotFor(c, start);
  }

  /**
   * Gives {@code c} a handler slot (added to {@code start}, a list that may be immutable or null),
   * or queues it for one. Slot-exempt calls never wait.
   */
  private List<C> slotFor(C c, List<C> start) {
    if (!c.slotExempt && running >= maxConcurrent) {
      setState(c, State.QUEUED_SLOT);
      shares.waitForSlot(c);
      return start == null ? List.of() : start;
    }
    running++;
    shares.addRunning(c.share, 1);
    c.holdsSlot = true;
    setState(c, State.RUNNING);
    if (start == null || start.isEmpty()) {
      return List.of(c);
    }
    List<C> more = new ArrayList<>(start.size() + 1);
    more.addAll(start);
    more.add(c);
    return more;
  }

  /** Moves {@code c} to {@code next}, entering or leaving its remote's waiting calls. */
  private void setState(C c, State next) {
    boolean was = waits(c.state);
    c.state = next;
    if (was && !waits(next)) {
      shares.unqueued(c);
    } else if (!was && waits(next)) {
      shares.queued(c);
    }
  }

  private static boolean waits(State s) {
    return s == State.QUEUED_KEY || s == State.QUEUED_SLOT;
  }

  /**
   * The call's reply is ready ({@code reply} null: nobody to send it to). Hands {@code leave} the
   * calls whose replies may leave now, in the order they must leave (the owner sends each one's
   * {@link Entry#takeReply} there, under its lock). Under return ordering that is none while an
   * earlier call on the key has not replied, and then every reply that was waiting for it. A second
   * report for a call is ignored.
   */
  void replied(C call, Envelope reply, Consumer<? super C> leave) {
    if (call.replied) {
      return;
    }
    call.replied = true;
    call.reply = reply;
    if (!call.inReplyOrder) {
      leave.accept(call);
      return;
    }
    KeyState<C> ks = keys.get(call.key);
    if (reply != null) {
      hold(call, reply.size());
    }
    while (!ks.replies.isEmpty()
        && ks.replies.peek().replied) { // none while an earlier one has not replied
      C head = ks.replies.poll();
      head.inReplyOrder = false;
      if (head.reply != null) {
        release(head, head.reply.size());
        shares.forgetIfIdle(head.share);
      }
      leave.accept(head);
    }
    removeIfIdle(call.key, ks);
  }

  /**
   * The call's handler is gone (or it was removed before it ran): frees its slot and its key.
   * Returns the calls to start now. A second report for a call is ignored.
   */
  List<C> exited(C call) {
    if (call.state == State.EXITED) {
      return List.of();
    }
    if (waits(call.state)) {
      dequeue(call); // the owner skipped cancel: nothing may start it later
    }
    call.state = State.EXITED;
    admitted--;
    shares.addCall(call.share, -1);
    release(call, call.charge);
    List<C> start = List.of();
    if (call.holdsSlot) {
      call.holdsSlot = false;
      running--;
      shares.addRunning(call.share, -1);
      C next;
      while (running < maxConcurrent && (next = shares.nextForSlot()) != null) {
        start = slotFor(next, start);
      }
    }
    shares.forgetIfIdle(call.share);
    if (ordering == Ordering.KEY_SERIALIZED && !call.nested) {
      KeyState<C> ks = keys.get(call.key);
      if (ks != null && ks.holder == call) {
        ks.holder = ks.waiting == null ? null : ks.waiting.poll();
        if (ks.holder != null) {
          start = slotFor(ks.holder, start);
        }
        removeIfIdle(call.key, ks);
      }
    }
    return start;
  }

  /**
   * Cancels a call: one still waiting (for its key or a slot) is removed and true is returned — the
   * owner answers it and reports it {@link #exited} without running it; a running one stays (its
   * key is held until its handler returns) and false is returned.
   */
  boolean cancel(C call) {
    if (waits(call.state)) {
      dequeue(call);
    }
    return call.state == State.REMOVED;
  }

  /** Takes a waiting call out of its queue, never to run. */
  private void dequeue(C call) {
    if (call.state == State.QUEUED_KEY) {
      KeyState<C> ks = keys.get(call.key);
      if (ks != null && ks.waiting != null) {
        ks.waiting.remove(call);
      }
    } else {
      shares.leaveSlotQueue(call);
    }
    setState(call, State.REMOVED);
  }

  /** Whether the call is over for the scheduler: replied and exited. */
  static boolean done(Entry call) {
    return call.replied && call.state == State.EXITED;
  }

  /** Counts {@code bytes} more held by {@code call} (and its remote). */
  private void hold(C call, long bytes) {
    buffered += bytes;
    shares.addBytes(call.share, bytes);
    call.held(bytes);
  }

  /** Counts {@code bytes} no longer held by {@code call} (and its remote). */
  private void release(C call, long bytes) {
    buffered -= bytes;
    shares.addBytes(call.share, -bytes);
    call.held(-bytes);
  }

  /** A link of {@code source}'s remote connected: see {@link FairShares#join}. */
  FairShares.Share join(FairShares.Source source) {
    return shares.join(source);
  }

  /** A link that joined {@code share} is gone: see {@link FairShares#leave}. */
  void leave(FairShares.Share share) {
    shares.leave(share);
  }

  private void removeIfIdle(OrderKey key, KeyState<C> ks) {
    if (ks.idle()) {
      keys.remove(key, ks);
    }
  }

  /**
   * How many entries its tables hold (0 when no call is in progress): for the leak checks of tests.
   */
  int entries() {
    return keys.size() + shares.entries() + running + admitted + (buffered > 0 ? 1 : 0);
  }
}
