package io.callosum.internal;

import io.callosum.lower.FanoutConfig;
import io.callosum.lower.FanoutItem;
import io.callosum.lower.FanoutListener;
import io.callosum.lower.FanoutPattern;
import io.callosum.lower.FanoutReceiver;
import io.callosum.lower.FanoutSender;
import io.callosum.lower.ReadBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Broadcast and pipelines of the in-process lower ({@code inproc://name}), with the same queue
 * policy as ZeroMQ's: each receiver has a queue of {@code queueCapacity} items; a broadcast item
 * for a receiver whose queue is full is dropped for that receiver; a pipeline item waits in its
 * sender's queue (also {@code queueCapacity}) until some receiver has room, taken round robin. Each
 * receiver has its own delivery thread. The bound side owns the name (a namespace apart from RPC
 * names); connecting needs it bound; after the bound side closes, the connected sides stay open but
 * reach nobody.
 */
public final class InProcessFanout {
  private static final ConcurrentHashMap<String, Hub> BOUND = new ConcurrentHashMap<>();
  private static final AtomicLong IDS = new AtomicLong();

  private InProcessFanout() {}

  public static FanoutSender openSender(String name, FanoutConfig config, Runnable writable)
      throws IOException {
    Hub hub = hub(name, config);
    Sender s = new Sender(hub, config, writable);
    hub.join(s, config.bind());
    return s;
  }

  public static FanoutReceiver openReceiver(
      String name, FanoutConfig config, List<String> topics, FanoutListener listener)
      throws IOException {
    Hub hub = hub(name, config);
    List<byte[]> prefixes = new ArrayList<>();
    for (String t : topics.isEmpty() ? List.of("") : topics) {
      prefixes.add(t.getBytes(StandardCharsets.UTF_8));
    }
    Receiver r = new Receiver(hub, config, prefixes, listener);
    try {
      hub.join(r, config.bind());
    } catch (IOException | RuntimeException e) {
      Threads.shutdownAndWait(r.io);
      throw e;
    }
    return r;
  }

  /**
   * Bound names and the senders and receivers that meet at them: 0 once every in-process broadcast
   * and pipeline endpoint has closed (tests read it).
   */
  public static int entries() {
    int n = 0;
    for (Hub hub : BOUND.values()) {
      synchronized (hub) {
        n += 1 + hub.senders.size() + hub.receivers.size();
      }
    }
    return n;
  }

  private static Hub hub(String name, FanoutConfig config) throws IOException {
    if (config.bind()) {
      Hub hub = new Hub(name, config.pattern());
      if (BOUND.putIfAbsent(name, hub) != null) {
        throw new IOException(
            "inproc address already in use by a broadcast or pipeline: inproc://" + name);
      }
      return hub;
    }
    Hub hub = BOUND.get(name);
    if (hub == null) {
      throw new IOException("nothing is bound at inproc://" + name);
    }
    if (hub.pattern != config.pattern()) {
      throw new IOException(
          "inproc://"
              + name
              + " is a "
              + hub.pattern.name().toLowerCase(Locale.ROOT)
              + ", not a "
              + config.pattern().name().toLowerCase(Locale.ROOT));
    }
    return hub;
  }

  /** The senders and receivers that meet at one bound name; its lock guards all their queues. */
  private static final class Hub {
    final String name;
    final FanoutPattern pattern;
    final List<Sender> senders = new ArrayList<>();
    final List<Receiver> receivers = new ArrayList<>();
    Object owner;
    boolean closed;
    int next;

    /** The sender whose queue is served first next time, so that no sender starves the others. */
    int nextSender;

    Hub(String name, FanoutPattern pattern) {
      this.name = name;
      this.pattern = pattern;
    }

    void join(Object side, boolean bind) throws IOException {
      List<Runnable> wake;
      synchronized (this) {
        if (closed) {
          throw new IOException("nothing is bound at inproc://" + name);
        }
        if (bind) {
          owner = side;
        }
        if (side instanceof Sender sender) {
          senders.add(sender);
        } else {
          receivers.add((Receiver) side);
        }
        wake = pump();
      }
      wake.forEach(Runnable::run);
    }

    /** Removes {@code side}; the owner's leaving ends the hub. */
    void leave(Object side) {
      synchronized (this) {
        senders.remove(side);
        receivers.remove(side);
        if (side == owner) {
          closed = true;
          BOUND.remove(name, this);
          senders.clear();
          receivers.clear();
        }
      }
    }

    /**
     * Moves pipeline items from senders' queues to receivers with room, round robin. Returns the
     * deliveries and writable callbacks to run once the lock is released.
     */
    List<Runnable> pump() {
      List<Runnable> after = new ArrayList<>();
      if (pattern != FanoutPattern.PIPELINE || receivers.isEmpty()) {
        return after;
      }
      int n = senders.size();
      boolean moved = true;
      while (moved) { // one item per sender per round
        moved = false;
        for (int i = 0; i < n; i++) {
          Sender s = senders.get((nextSender + i) % n);
          if (s.queue.isEmpty()) {
            continue;
          }
          Receiver r = withRoom();
          if (r == null) {
            break;
          }
          r.enqueue(s.queue.poll(), after);
          moved = true;
        }
        nextSender = n == 0 ? 0 : (nextSender + 1) % n;
      }
      for (Sender s : senders) {
        if (s.wantsRoom && s.queue.size() < s.config.queueCapacity()) {
          s.wantsRoom = false;
          after.add(s.writable);
        }
      }
      return after;
    }

    private Receiver withRoom() {
      int n = receivers.size();
      for (int i = 0; i < n; i++) {
        Receiver r = receivers.get((next + i) % n);
        if (r.pending.size() < r.config.queueCapacity()) {
          next = (next + i + 1) % n;
          return r;
        }
      }
      return null;
    }
  }

  private static final class Sender implements FanoutSender {
    final Hub hub;
    final FanoutConfig config;
    final Runnable writable;
    final ArrayDeque<FanoutItem> queue = new ArrayDeque<>();
    boolean wantsRoom;
    volatile boolean closed;

    Sender(Hub hub, FanoutConfig config, Runnable writable) {
      this.hub = hub;
      this.config = config;
      this.writable = writable;
    }

    @Override
    public String address() {
      return "inproc://" + hub.name;
    }

    @Override
    public boolean offer(FanoutItem item) {
      List<Runnable> after = new ArrayList<>();
      boolean taken;
      synchronized (hub) {
        if (closed) {
          return false;
        }
        if (hub.pattern == FanoutPattern.BROADCAST) {
          for (Receiver r : hub.receivers) {
            if (r.matches(item.topic()) && r.pending.size() < r.config.queueCapacity()) {
              r.enqueue(item, after); // a receiver whose queue is full misses this item
            }
          }
          taken = true;
        } else if (queue.size() >= config.queueCapacity()) {
          wantsRoom = true;
          taken = false;
        } else {
          queue.add(item);
          after.addAll(hub.pump());
          taken = true;
        }
      }
      after.forEach(Runnable::run);
      return taken;
    }

    @Override
    public void close() {
      synchronized (hub) {
        if (closed) {
          return;
        }
        closed = true;
        queue.clear();
      }
      hub.leave(this);
    }
  }

  private static final class Receiver implements FanoutReceiver {
    final Hub hub;
    final FanoutConfig config;
    final List<byte[]> prefixes;
    final FanoutListener listener;
    final ExecutorService io;

    /** Items for this receiver not yet given to its listener; guarded by the hub. */
    final ArrayDeque<FanoutItem> pending = new ArrayDeque<>();

    boolean draining;
    boolean paused;

    /** A resume() that came while the listener was returning false: that pause is cancelled. */
    boolean resumeEarly;

    volatile boolean closed;

    Receiver(Hub hub, FanoutConfig config, List<byte[]> prefixes, FanoutListener listener) {
      this.hub = hub;
      this.config = config;
      this.prefixes = prefixes;
      this.listener = listener;
      this.io =
          Threads.singleThread("callosum-inproc-fanout-" + hub.name + "-" + IDS.incrementAndGet());
    }

    boolean matches(byte[] topic) {
      if (hub.pattern == FanoutPattern.PIPELINE) {
        return true;
      }
      for (byte[] p : prefixes) {
        if (topic.length >= p.length && Arrays.equals(topic, 0, p.length, p, 0, p.length)) {
          return true;
        }
      }
      return false;
    }

    /** Called with the hub locked: queues {@code item} and, if needed, a drain of the queue. */
    void enqueue(FanoutItem item, List<Runnable> after) {
      pending.add(item);
      if (!draining && !paused) {
        draining = true;
        after.add(() -> post(this::drain));
      }
    }

    private void post(Runnable r) {
      try {
        io.execute(r);
      } catch (RejectedExecutionException e) {
        // closed: the items are dropped with the receiver
      }
    }

    /**
     * On this receiver's thread: hands queued items to the listener until empty or paused, as one
     * read round (its consumer is woken once, after it).
     */
    private void drain() {
      ReadBatch.begin();
      try {
        drainQueued();
      } finally {
        ReadBatch.end();
      }
    }

    private void drainQueued() {
      while (!closed) {
        FanoutItem item;
        synchronized (hub) {
          item = pending.poll();
          if (item == null) {
            draining = false;
            return;
          }
        }
        boolean more = listener.received(item);
        List<Runnable> after;
        synchronized (hub) {
          after = hub.pump(); // room freed here: pipeline items may move in
          if (!more && resumeEarly) {
            more = true;
          } else if (!more) {
            paused = true;
            draining = false;
          }
          resumeEarly = false;
        }
        after.forEach(Runnable::run);
        if (!more) {
          return;
        }
      }
    }

    @Override
    public String address() {
      return "inproc://" + hub.name;
    }

    @Override
    public void resume() {
      synchronized (hub) {
        if (!paused) {
          // The core may resume before this drain has seen the false it answers.
          resumeEarly = draining;
          return;
        }
        paused = false;
        if (draining) {
          return;
        }
        draining = true;
      }
      post(this::drain);
    }

    @Override
    public void close() {
      synchronized (hub) {
        if (closed) {
          return;
        }
        closed = true;
        pending.clear();
      }
      hub.leave(this);
      Threads.shutdownAndWait(io);
    }
  }
}
