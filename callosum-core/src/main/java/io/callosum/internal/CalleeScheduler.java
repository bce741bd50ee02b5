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
 * <p>What a call holds is counted per call ({@link Entry}) and per remote ({@link Share}), in
 * {@link #hold} and {@link #release} alone, so that shares of slots, queue or bytes per remote can
 * be enforced there.
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
    /** Its handler is gone, or it was removed before it ran. */
    EXITED
  }

  /**
   * One call as the scheduler sees it; the owner's call type extends it. Guarded by the owner's
   * lock.
   */
  static class Entry {
    final OrderKey key;

    /** The remote that made the call. */
    final Share share;

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

    /** Why {@link #admit} refused the call; null if it did not. */
    String refusal;

    Entry(OrderKey key, Share share, long charge) {
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
   * What one remote's calls hold here: calls admitted and bytes held. Guarded by the owner's lock.
   */
  static final class Share {
    private int calls;
    private long bytes;

    int calls() {
      return calls;
    }

    long bytes() {
      return bytes;
    }

    @Override
    public String toString() {
      return calls + " calls and " + bytes + " bytes held";
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
  private final ArrayDeque<C> ready = new ArrayDeque<>();
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
   */
  List<C> admit(C call, List<? extends Entry> ancestors) {
    if (admitted >= admissionLimit) {
      // Nested calls count too, so nothing escapes this bound.
      call.refusal = admitted + " calls in progress or queued (limit " + admissionLimit + ")";
      return null;
    }
    if (buffered > 0 && buffered + call.charge > maxBufferedBytes) {
      call.refusal =
          buffered + " bytes of calls and stream windows held (limit " + maxBufferedBytes + ")";
      return null;
    }
    classify(call, ancestors);
    call.keyOrdered = ordering != Ordering.NONE && !call.nested;
    admitted++;
    call.share.calls++;
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
    call.state = State.QUEUED_KEY;
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
      if (ancestor.state == State.EXITED || ancestor.state == State.NEW) {
        continue;
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
    ready.remove(c);
    c.slotExempt = true;
    return slotFor(c, start);
  }

  /**
   * Gives {@code c} a handler slot (added to {@code start}, a list that may be immutable or null),
   * or queues it for one. Slot-exempt calls never wait.
   */
  private List<C> slotFor(C c, List<C> start) {
    if (!c.slotExempt && running >= maxConcurrent) {
      c.state = State.QUEUED_SLOT;
      ready.add(c);
      return start == null ? List.of() : start;
    }
    running++;
    c.holdsSlot = true;
    c.state = State.RUNNING;
    if (start == null || start.isEmpty()) {
      return List.of(c);
    }
    List<C> more = new ArrayList<>(start.size() + 1);
    more.addAll(start);
    more.add(c);
    return more;
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
    call.state = State.EXITED;
    admitted--;
    call.share.calls--;
    release(call, call.charge);
    List<C> start = List.of();
    if (call.holdsSlot) {
      call.holdsSlot = false;
      running--;
      C next;
      while (running < maxConcurrent && (next = ready.poll()) != null) {
        start = slotFor(next, start);
      }
    }
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
    switch (call.state) {
      case QUEUED_KEY -> {
        KeyState<C> ks = keys.get(call.key);
        if (ks != null && ks.waiting != null) {
          ks.waiting.remove(call);
        }
        return true;
      }
      case QUEUED_SLOT -> {
        ready.remove(call);
        return true;
      }
      default -> {
        return false;
      }
    }
  }

  /** Whether the call is over for the scheduler: replied and exited. */
  static boolean done(Entry call) {
    return call.replied && call.state == State.EXITED;
  }

  /** Counts {@code bytes} more held by {@code call} (and its remote). */
  private void hold(C call, long bytes) {
    buffered += bytes;
    call.share.bytes += bytes;
    call.held(bytes);
  }

  /** Counts {@code bytes} no longer held by {@code call} (and its remote). */
  private void release(C call, long bytes) {
    buffered -= bytes;
    call.share.bytes -= bytes;
    call.held(-bytes);
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
    return keys.size() + ready.size() + running + admitted + (buffered > 0 ? 1 : 0);
  }
}
