package io.callosum.lower;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes that remotes make one lower and the core above it hold, counted against one limit: per
 * {@link Holder} (one per remote connection) and in total. The lower makes one budget per transport
 * and a holder per connection, and counts what it holds for that connection (records partly
 * received, frames queued for it); it hands each link's holder to the core ({@link Link#memory()}),
 * which counts what it holds for that remote (calls waiting for or running in a handler with their
 * stream windows, replies held for return order, big messages arriving in chunks, items held for a
 * paused receiver). So the total covers everything the remotes cause, whoever holds it.
 *
 * <p>The rule, {@link Holder#allowance()}: half the limit is split into equal reserves, one per
 * open holder ({@code limit / (2 × holders)}). A holder may always fill its reserve, and may take
 * more only while every other holder's reserve stays free; nothing is taken past the limit. A lower
 * admits a new remote only while its reserve fits beside what is held and the others' reserves
 * ({@link #admitsAnother()}). So one remote alone may use the whole limit, the remotes that hold
 * the most are the first to get no more, and a remote within its reserve is served while others
 * hold the rest. What a holder may not take, it waits for (a lower stops reading from that remote:
 * {@link Holder#awaitRoom}) or is refused ({@link Holder#tryAdd}); a holder that waits, holding
 * more than its reserve, without letting go of any is the lower's to cut. Only what is counted with
 * {@link Holder#add} (memory already taken) may pass the limit.
 *
 * <p>Thread-safe: every method may be called from any thread and never blocks.
 */
public final class MemoryBudget {
  /** The budget behind {@link #NONE}: counts nothing. */
  private static final MemoryBudget UNCOUNTED =
      new MemoryBudget("no budget", Long.MAX_VALUE, false);

  /** The holder of a lower that keeps no budget: it counts nothing and refuses nothing. */
  public static final Holder NONE = UNCOUNTED.new Holder("none");

  private final String name;
  private final long limit;
  private final boolean counting;
  private final AtomicLong held = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();
  private final AtomicInteger holders = new AtomicInteger();

  /** The open holders, for {@link #admitsAnother()}. */
  private final Set<Holder> open = ConcurrentHashMap.newKeySet();

  /** Holders waiting for room ({@link Holder#awaitRoom}). */
  private final Set<Holder> waiting = ConcurrentHashMap.newKeySet();

  /**
   * A budget of {@code limit} bytes; {@code name} says where it is set (e.g. {@code
   * TcpOptions.memoryBudget}), for the reasons of refusals.
   */
  public MemoryBudget(String name, long limit) {
    this(name, limit, true);
    if (limit <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, was " + limit);
    }
  }

  private MemoryBudget(String name, long limit, boolean counting) {
    this.name = name;
    this.limit = limit;
    this.counting = counting;
  }

  /** The limit, in bytes. */
  public long limit() {
    return limit;
  }

  /** Bytes held now, over all holders. */
  public long held() {
    return held.get();
  }

  /** The most bytes ever held at once. */
  public long peak() {
    return peak.get();
  }

  /** Holders open now. */
  public int holders() {
    return holders.get();
  }

  /** Each open holder's reserve: half the limit split among them. */
  public long reserve() {
    return reserveOf(Math.max(1, holders.get()));
  }

  private long reserveOf(int n) {
    return limit / (2L * n);
  }

  /**
   * Whether one more holder's reserve fits beside what is held and the reserves the open holders
   * have not used (each one smaller then); a lower refuses a new remote (connection) when it does
   * not, rather than take what is kept for the others. Looks at every open holder.
   */
  public boolean admitsAnother() {
    if (!counting) {
      return true;
    }
    long reserve = reserveOf(holders.get() + 1);
    long kept = reserve;
    for (Holder h : open) {
      kept += Math.max(0, reserve - h.mine.get());
    }
    return held.get() + kept <= limit;
  }

  /** A new holder (one remote connection), open until {@link Holder#close()}. */
  public Holder holder(String holderName) {
    Holder h = new Holder(holderName);
    if (counting) {
      open.add(h);
      holders.incrementAndGet();
    }
    return h;
  }

  /**
   * What a holder holding {@code mine} may take when {@code total} is held: the rest of its
   * reserve, and what is left beyond every holder's reserve (its own counted as used), so that what
   * is held plus the reserves not yet used stays within the limit; and never past the limit.
   */
  private long allowance(long total, long mine) {
    int n = Math.max(1, holders.get());
    long reserve = reserveOf(n);
    long own = reserve - mine;
    long beyond = limit - total - n * reserve + Math.min(reserve, mine);
    return Math.max(0, Math.min(limit - total, Math.max(0, own) + Math.max(0, beyond)));
  }

  private void grew(long total) {
    long p;
    while (total > (p = peak.get()) && !peak.compareAndSet(p, total)) {
      // another thread raised it; look again
    }
  }

  /** After a release: wakes the holders whose wait is over. */
  private void released(Holder from, long total) {
    if (waiting.isEmpty()) {
      return;
    }
    int n = Math.max(1, holders.get());
    if (limit - total - (long) (n - 1) * reserveOf(n) > 0) {
      // Room beyond the reserves: every waiting holder (each holds its reserve at least) may take.
      for (Holder h : waiting) {
        h.wake();
      }
    } else if (from.onRoom != null && from.allowance() > 0) {
      from.wake();
    }
  }

  @Override
  public String toString() {
    return "MemoryBudget(" + name + ": " + held.get() + " of " + limit + " bytes held)";
  }

  /**
   * What one remote connection holds: every counting is by it, the lower's and the core's alike.
   * Thread-safe.
   */
  public final class Holder implements AutoCloseable {
    private final String holderName;
    private final AtomicLong mine = new AtomicLong();
    private volatile Runnable onRoom;
    private volatile boolean closed;

    private Holder(String holderName) {
      this.holderName = holderName;
    }

    /** Bytes this holder holds now. */
    public long held() {
      return mine.get();
    }

    /** The budget this holder counts into. */
    public MemoryBudget budget() {
      return MemoryBudget.this;
    }

    /**
     * How many more bytes this holder may take now: the rest of its reserve, or what is left beyond
     * every holder's reserve; 0 when it must wait. {@link Long#MAX_VALUE} without a budget.
     */
    public long allowance() {
      return counting ? MemoryBudget.this.allowance(held.get(), mine.get()) : Long.MAX_VALUE;
    }

    /**
     * Counts {@code bytes} this holder now holds, whatever the allowance (for memory already taken,
     * or that cannot be refused).
     */
    public void add(long bytes) {
      if (counting && bytes != 0) {
        mine.addAndGet(bytes);
        grew(held.addAndGet(bytes));
      }
    }

    /**
     * Counts {@code bytes} if they are within the {@link #allowance()}; false (nothing counted) if
     * not, and the caller refuses what would have taken them.
     */
    public boolean tryAdd(long bytes) {
      if (!counting) {
        return true;
      }
      while (true) {
        long total = held.get();
        if (bytes > MemoryBudget.this.allowance(total, mine.get())) {
          return false;
        }
        if (held.compareAndSet(total, total + bytes)) {
          mine.addAndGet(bytes);
          grew(total + bytes);
          return true;
        }
      }
    }

    /** Counts {@code bytes} this holder no longer holds. */
    public void release(long bytes) {
      if (counting && bytes != 0) {
        mine.addAndGet(-bytes);
        released(this, held.addAndGet(-bytes));
      }
    }

    /**
     * Has {@code onRoom} run (once, on whichever thread releases bytes) when this holder may take
     * more; true if it will, false if it may take more now (and {@code onRoom} will not run). A
     * lower stops reading from the remote until then. A holder waits for one thing at a time.
     */
    public boolean awaitRoom(Runnable onRoom) {
      if (!counting || closed || allowance() > 0) {
        return false;
      }
      this.onRoom = onRoom;
      waiting.add(this);
      if (allowance() > 0 && waiting.remove(this)) {
        this.onRoom = null; // room came meanwhile, and nobody woke this holder
        return false;
      }
      return true;
    }

    /** Stops waiting for room ({@code onRoom} will not run unless it is running already). */
    public void stopWaiting() {
      if (waiting.remove(this)) {
        onRoom = null;
      }
    }

    private void wake() {
      Runnable r = onRoom;
      if (r != null && waiting.remove(this)) {
        onRoom = null;
        r.run();
      }
    }

    /**
     * Why {@code bytes} more do not fit, for a refusal or a cut: the budget, its holders and this
     * one.
     */
    public String why(long bytes) {
      return holderName
          + " holds "
          + mine.get()
          + " bytes (reserve "
          + reserve()
          + ") of the "
          + name
          + " of "
          + limit
          + " bytes, "
          + held.get()
          + " held by "
          + holders.get()
          + " remotes: no room for "
          + bytes
          + " more";
    }

    /**
     * The remote is gone: this holder no longer has a reserve. What it still holds stays counted
     * until its owners release it. Idempotent.
     */
    @Override
    public void close() {
      if (counting && !closed) {
        closed = true;
        stopWaiting();
        open.remove(this);
        holders.decrementAndGet();
      }
    }

    @Override
    public String toString() {
      return "Holder(" + holderName + ", " + mine.get() + " bytes)";
    }
  }
}
