package io.callosum.benchmarks;

import io.callosum.BroadcastReceiver;
import io.callosum.Broadcaster;
import io.callosum.Delivery;
import io.callosum.Payload;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * P5: one publisher, {@value #SUBSCRIBERS} subscribers, 50-byte items published as fast as the
 * publisher accepts them. A round counts what each subscriber received of that round's items;
 * what a subscriber missed (dropped for it, or lost with a connection) is not delivered.
 */
final class Fanout {
  static final int SUBSCRIBERS = 16;
  private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(300);
  private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);
  /**
   * Callosum's queues per stage, in items: 100,000 50-byte items are ~8 MiB per subscriber, as
   * Redis buffers up to 8 MiB per subscriber (its default pubsub output buffer soft limit).
   */
  static final int QUEUE = 100_000;
  private static final byte[] ITEM_TOPIC = "b".getBytes(StandardCharsets.UTF_8);

  private Fanout() {}

  /** Items per measurement: 100,000, or 2,000 with --quick. */
  static int items(Measurement m) {
    return (int) m.size(100_000, 2_000);
  }

  /** One subscriber's count of the current round's items; written by its receiving thread only. */
  static final class Counter {
    volatile long count;
    volatile long lastNanos;
    volatile boolean synced;

    void item() {
      count++;
      lastNanos = System.nanoTime();
    }
  }

  /** A publisher's side of one round: publishes {@code items} items as fast as it is allowed to. */
  interface Publisher {
    void publish(int items) throws Exception;
  }

  /**
   * Publishes, then waits until every subscriber has all items or none received anything for
   * {@value #QUIET_NANOS} ns; records deliveries/s and the share delivered.
   */
  static void round(Measurement m, List<Counter> counters, Publisher publisher) throws Exception {
    int items = items(m);
    for (Counter c : counters) {
      c.count = 0;
    }
    long start = System.nanoTime();
    publisher.publish(items);
    long lastProgress = System.nanoTime();
    long seen = -1;
    while (true) {
      long sum = 0;
      for (Counter c : counters) {
        sum += c.count;
      }
      long now = System.nanoTime();
      if (sum == (long) items * counters.size()) {
        break;
      }
      if (sum != seen) {
        seen = sum;
        lastProgress = now;
      } else if (now - lastProgress > QUIET_NANOS || now - start > WAIT_NANOS) {
        break;
      }
      Thread.sleep(1);
    }
    long deliveries = 0;
    long last = start;
    for (Counter c : counters) {
      deliveries += Math.min(c.count, items);
      last = Math.max(last, c.lastNanos);
    }
    m.put("deliveries_per_s", deliveries / ((last - start) / 1e9));
    m.put("delivered_pct", 100.0 * deliveries / ((double) items * counters.size()));
  }

  /** Repeats {@code send} every millisecond until {@code done} (bounded): subscribers are connected. */
  static void sync(BooleanSupplier done, Runnable send, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(what + ": subscribers did not connect within 20 s");
      }
      send.run();
      Thread.sleep(1);
    }
  }

  /** Callosum's {@link Broadcaster} bound, {@value #SUBSCRIBERS} {@link BroadcastReceiver}s with handlers connected. */
  static final class Callosum implements Contender {
    private final String name;
    private final Broadcaster publisher;
    private final List<BroadcastReceiver> receivers = new ArrayList<>();
    private final List<Counter> counters = new ArrayList<>();
    private final Payload item = Payload.wrap(Bench.BODY);

    Callosum(String name, String bindAddress) throws InterruptedException {
      this.name = name;
      publisher = Broadcaster.builder().bind(bindAddress).queueCapacity(QUEUE).build();
      try {
        for (int i = 0; i < SUBSCRIBERS; i++) {
          Counter counter = new Counter();
          counters.add(counter);
          receivers.add(BroadcastReceiver.builder().connect(publisher.address()).queueCapacity(QUEUE)
              .handler(d -> deliver(counter, d)).build());
        }
        sync(() -> counters.stream().allMatch(c -> c.synced), () -> publisher.publish("sync", item), name);
      } catch (RuntimeException | InterruptedException e) {
        close();
        throw e;
      }
    }

    private static void deliver(Counter counter, Delivery d) {
      if (d.topic().equals("b")) {
        counter.item();
      } else {
        counter.synced = true;
      }
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void measure(Measurement m) throws Exception {
      round(m, counters, items -> {
        for (int i = 0; i < items; i++) {
          while (!publisher.publish("b", item)) {
            Thread.onSpinWait();  // the publisher's own queue is full: retry, so every item is offered
          }
        }
      });
    }

    @Override
    public void close() {
      try {
        for (BroadcastReceiver r : receivers) {
          r.close();
        }
      } finally {
        publisher.close();
      }
    }
  }

  /**
   * Redis pub/sub: a {@code redis-server} of this machine started on a loopback ephemeral port,
   * a Jedis publisher pipelining PUBLISH in batches of 100, and one Jedis subscriber connection
   * (and thread) per subscriber. Skipped if {@code redis-server} is not installed.
   */
  static final class Redis implements Contender {
    static final String INSTALL = "redis-server not found on PATH: apt-get install redis-server (Debian), then rerun";

    private final Process server;
    private final int port;
    private final Jedis publisher;
    private final List<Subscriber> subscribers = new ArrayList<>();
    private final List<Counter> counters = new ArrayList<>();

    Redis() throws Exception {
      String executable = find("redis-server");
      if (executable == null) {
        throw new Skipped(INSTALL);
      }
      int freePort;
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        freePort = probe.getLocalPort();
      }
      port = freePort;
      server = new ProcessBuilder(executable, "--bind", "127.0.0.1", "--port", String.valueOf(port), "--save", "",
          "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      Jedis opened = null;
      try {
        opened = connect();
        for (int i = 0; i < SUBSCRIBERS; i++) {
          Counter counter = new Counter();
          counters.add(counter);
          subscribers.add(new Subscriber(counter, i));
        }
        Jedis p = opened;
        sync(() -> p.pubsubNumSub(new String(ITEM_TOPIC, StandardCharsets.UTF_8))
            .getOrDefault(new String(ITEM_TOPIC, StandardCharsets.UTF_8), 0L) == SUBSCRIBERS, () -> { }, "redis");
      } catch (Exception | Error e) {
        if (opened != null) {
          opened.close();
        }
        stopAll();
        throw e;
      }
      publisher = opened;
    }

    /** Connects once the server listens (bounded). */
    private Jedis connect() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        Jedis jedis = new Jedis("127.0.0.1", port);
        try {
          jedis.ping();
          return jedis;
        } catch (RuntimeException e) {
          jedis.close();
          if (!server.isAlive() || System.nanoTime() - deadline > 0) {
            throw new IllegalStateException("redis-server did not start on port " + port + ": " + e, e);
          }
          Thread.sleep(10);
        }
      }
    }

    static String find(String command) {
      String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin" + File.pathSeparator + "/usr/bin";
      for (String dir : path.split(File.pathSeparator)) {
        File f = new File(dir, command);
        if (!dir.isEmpty() && f.canExecute()) {
          return f.getAbsolutePath();
        }
      }
      return null;
    }

    @Override
    public String name() {
      return "redis";
    }

    @Override
    public void measure(Measurement m) throws Exception {
      round(m, counters, items -> {
        Pipeline pipeline = publisher.pipelined();
        for (int i = 0; i < items; i++) {
          pipeline.publish(ITEM_TOPIC, Bench.BODY);
          if (i % 100 == 99) {
            pipeline.sync();
          }
        }
        pipeline.sync();
      });
    }

    @Override
    public void close() {
      try {
        publisher.close();
      } finally {
        stopAll();
      }
    }

    private void stopAll() {
      for (Subscriber s : subscribers) {
        s.stop();
      }
      server.destroy();
      try {
        if (!server.waitFor(10, TimeUnit.SECONDS)) {
          server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** One subscriber connection on its own thread; subscribes again if Redis drops it (a slow consumer). */
    private final class Subscriber {
      final Thread thread;
      final BinaryJedisPubSub pubsub;
      volatile boolean stopped;

      Subscriber(Counter counter, int index) {
        pubsub = new BinaryJedisPubSub() {
          @Override
          public void onMessage(byte[] channel, byte[] message) {
            counter.item();
          }
        };
        thread = new Thread(() -> {
          while (!stopped) {
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
              jedis.subscribe(pubsub, ITEM_TOPIC);
            } catch (RuntimeException e) {
              if (!stopped) {
                System.err.println("redis subscriber " + index + " lost its connection, subscribing again: " + e);
              }
            }
          }
        }, "redis-subscriber-" + index);
        thread.setDaemon(true);
        thread.start();
      }

      void stop() {
        stopped = true;
        try {
          if (pubsub.isSubscribed()) {
            pubsub.unsubscribe();
          }
        } catch (RuntimeException e) {
          // the connection is gone already
        }
        try {
          thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

}
