package io.callosum.benchmarks;

import io.callosum.auth.CurveKeyPair;
import io.callosum.fanout.BroadcastReceiver;
import io.callosum.fanout.Broadcaster;
import io.callosum.lower.Transport;
import io.callosum.lower.redis.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * P5: one publisher, {@value #SUBSCRIBERS} subscribers, 50-byte items published as fast as the
 * publisher accepts them. The publisher runs in its own worker JVM (unless same-JVM), the
 * subscribers in the harness, which counts: as with Redis, where the fan-out runs in the broker's
 * process and the subscribers elsewhere. A round counts what each subscriber received of that
 * round's items; what a subscriber missed (dropped for it, or lost with a connection) is not
 * delivered.
 */
final class Fanout {
  static final int SUBSCRIBERS = 16;

  /**
   * How long a round waits for progress before it counts what has not arrived as lost: longer than
   * this shared VM stalls a process under load (with 300 ms, such a stall ended a round as if the
   * items still on their way were lost). Rates are taken from the last delivery, so the wait
   * changes no figure.
   */
  private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(2);

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

  /**
   * One subscriber's count of the current round's items: counted by its receiving thread, reset by
   * the harness before each round (so two writers).
   */
  static final class Counter {
    final AtomicLong count = new AtomicLong();
    volatile long lastNanos;
    volatile boolean synced;

    void item() {
      count.incrementAndGet();
      lastNanos = System.nanoTime();
    }
  }

  /** A publisher's side of one round: publishes {@code items} items as fast as it is allowed to. */
  interface Publisher {
    void publish(int items) throws Exception;
  }

  /**
   * Publishes, then waits until every subscriber has all items or none received anything for
   * {@value #QUIET_NANOS} ns; records deliveries/s, the share delivered and the CPU time of all the
   * processes per delivery.
   */
  static void round(Measurement m, List<Counter> counters, Publisher publisher) throws Exception {
    int items = items(m);
    for (Counter c : counters) {
      c.count.set(0);
    }
    CallCost cost = CallCost.start(m);
    long start = System.nanoTime();
    publisher.publish(items);
    long lastProgress = System.nanoTime();
    long seen = -1;
    while (true) {
      long sum = 0;
      for (Counter c : counters) {
        sum += c.count.get();
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
      deliveries += Math.min(c.count.get(), items);
      last = Math.max(last, c.lastNanos);
    }
    m.put("deliveries_per_s", deliveries / ((last - start) / 1e9));
    m.put("delivered_pct", 100.0 * deliveries / ((double) items * counters.size()));
    cost.perDelivery(deliveries).forEach(m::put);
  }

  /** Something to repeat until subscribers are connected. */
  @FunctionalInterface
  interface Send {
    void run() throws Exception;
  }

  /**
   * Repeats {@code send} every millisecond until {@code done} (bounded): subscribers are connected.
   */
  static void sync(BooleanSupplier done, Send send, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(what + ": subscribers did not connect within 20 s");
      }
      send.run();
      Thread.sleep(1);
    }
  }

  /**
   * Callosum's {@link Broadcaster} bound in its own worker JVM ({@link CallosumPublisher}, unless
   * same-JVM), {@value #SUBSCRIBERS} {@link BroadcastReceiver}s with handlers in the harness.
   */
  static final class Callosum implements Contender {
    private final String name;
    private final Server publisher;
    private final List<BroadcastReceiver> receivers = new ArrayList<>();
    private final List<Counter> counters = new ArrayList<>();

    Callosum(String name, Host host, String bindAddress) throws Exception {
      this(name, host, bindAddress, false);
    }

    /**
     * With {@code curve}, over CurveZMQ: the publisher lets in one client key pair, which the
     * harness's subscribers share through one client transport (as the subscribers of one process
     * would).
     */
    Callosum(String name, Host host, String bindAddress, boolean curve) throws Exception {
      this.name = name;
      CurveKeyPair clientKeys = curve ? CurveKeyPair.generate() : null;
      publisher = host.open(name, Role.CALLOSUM_PUBLISHER, bindAddress, Security.word(clientKeys));
      try {
        Transport transport =
            curve ? Security.curveClient(bindAddress, clientKeys, publisher.ready().get(1)) : null;
        for (int i = 0; i < SUBSCRIBERS; i++) {
          Counter counter = new Counter();
          counters.add(counter);
          receivers.add(
              Peers.topicReceiver(
                  publisher.address(), QUEUE, transport, topic -> deliver(counter, topic)));
        }
        sync(
            () -> counters.stream().allMatch(c -> c.synced), () -> publisher.request("sync"), name);
      } catch (Exception | Error e) {
        close();
        throw e;
      }
    }

    private static void deliver(Counter counter, String topic) {
      if (topic.equals("b")) {
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
      round(m, counters, items -> publisher.request("publish " + items));
    }

    @Override
    public List<Server> servers() {
      return List.of(publisher);
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
   * The publishing side: a {@link Broadcaster} bound at {@code ADDRESS} with the lower of {@code
   * SECURITY} ({@link Security}; ready with its address, and its public key under CURVE); {@code
   * sync} publishes one item of topic {@code sync}, {@code publish N} publishes N items of topic
   * {@code b} as fast as the publisher accepts them (retrying while its own queue is full, so every
   * item is offered).
   */
  static final class CallosumPublisher implements Served {
    private final Broadcaster publisher;
    private final List<String> ready = new ArrayList<>();

    CallosumPublisher(List<String> args) {
      Security security = Security.server(args.get(0), args.get(1));
      publisher = Peers.publisher(args.get(0), false, QUEUE, security.transport());
      ready.add(publisher.address());
      ready.addAll(List.of(security.facts()));
    }

    @Override
    public List<String> ready() {
      return ready;
    }

    @Override
    public String command(String name, List<String> args) {
      switch (name) {
        case "sync" -> Peers.publishRaw(publisher, "sync", Bench.BODY);
        case "publish" -> {
          int items = Integer.parseInt(args.get(0));
          for (int i = 0; i < items; i++) {
            while (!Peers.publishRaw(publisher, "b", Bench.BODY)) {
              Thread.onSpinWait();
            }
          }
        }
        default -> throw new IllegalArgumentException("unknown command " + name);
      }
      return name;
    }

    @Override
    public void close() {
      publisher.close();
    }
  }

  /**
   * Redis pub/sub: a {@code redis-server} of this machine started on a loopback ephemeral port, a
   * Jedis publisher pipelining PUBLISH in batches of 100 ({@link RedisPublisher}, in its own worker
   * JVM unless same-JVM, like Callosum's publisher), and one Jedis subscriber connection (and
   * thread) per subscriber in the harness. Skipped if {@code redis-server} is not installed.
   */
  static final class Redis implements Contender {
    static final String INSTALL = RedisServer.INSTALL;

    private final RedisServer server;
    private final int port;
    private final List<Subscriber> subscribers = new ArrayList<>();
    private final List<Counter> counters = new ArrayList<>();
    private Server publisher;

    Redis(Host host) throws Exception {
      if (!RedisServer.installed()) {
        throw new Skipped(INSTALL);
      }
      server = RedisServer.start();
      port = server.port();
      try (Jedis admin = connect(port)) {
        for (int i = 0; i < SUBSCRIBERS; i++) {
          Counter counter = new Counter();
          counters.add(counter);
          subscribers.add(new Subscriber(counter, i));
        }
        String topic = new String(ITEM_TOPIC, StandardCharsets.UTF_8);
        sync(
            () -> admin.pubsubNumSub(topic).getOrDefault(topic, 0L) == SUBSCRIBERS,
            () -> {},
            "redis");
        publisher = host.open("redis", Role.REDIS_PUBLISHER, Integer.toString(port));
      } catch (Exception | Error e) {
        stopAll();
        throw e;
      }
    }

    /** Connects to the server at {@code port} once it answers (bounded). */
    static Jedis connect(int port) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        Jedis jedis = new Jedis("127.0.0.1", port);
        try {
          jedis.ping();
          return jedis;
        } catch (RuntimeException e) {
          jedis.close();
          if (System.nanoTime() - deadline > 0) {
            throw new IllegalStateException("redis-server does not answer on port " + port, e);
          }
          Thread.sleep(10);
        }
      }
    }

    @Override
    public String name() {
      return "redis";
    }

    @Override
    public void measure(Measurement m) throws Exception {
      round(m, counters, items -> publisher.request("publish " + items));
    }

    @Override
    public List<Server> servers() {
      return List.of(publisher, new Broker(server)); // redis-server fans out: its CPU counts
    }

    @Override
    public void close() {
      stopAll();
    }

    private void stopAll() {
      if (publisher != null) {
        publisher.close();
      }
      for (Subscriber s : subscribers) {
        s.stop();
      }
      server.close();
    }

    /**
     * One subscriber connection on its own thread; subscribes again if Redis drops it (a slow
     * consumer).
     */
    private final class Subscriber {
      final Thread thread;
      final BinaryJedisPubSub pubsub;
      volatile boolean stopped;

      Subscriber(Counter counter, int index) {
        pubsub =
            new BinaryJedisPubSub() {
              @Override
              public void onMessage(byte[] channel, byte[] message) {
                counter.item();
              }
            };
        thread =
            new Thread(
                () -> {
                  while (!stopped) {
                    try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                      jedis.subscribe(pubsub, ITEM_TOPIC);
                    } catch (RuntimeException e) {
                      if (!stopped) {
                        System.err.println(
                            "redis subscriber "
                                + index
                                + " lost its connection, subscribing again: "
                                + e);
                      }
                    }
                  }
                },
                "redis-subscriber-" + index);
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

  /**
   * Redis's publishing side: a Jedis connection to the server at {@code PORT}; {@code publish N}
   * pipelines N PUBLISHes, synced every 100.
   */
  static final class RedisPublisher implements Served {
    private final Jedis jedis;

    RedisPublisher(List<String> args) throws InterruptedException {
      jedis = Redis.connect(Integer.parseInt(args.get(0)));
    }

    @Override
    public List<String> ready() {
      return List.of("redis-publisher");
    }

    @Override
    public String command(String name, List<String> args) {
      if (!name.equals("publish")) {
        throw new IllegalArgumentException("unknown command " + name);
      }
      int items = Integer.parseInt(args.get(0));
      Pipeline pipeline = jedis.pipelined();
      for (int i = 0; i < items; i++) {
        pipeline.publish(ITEM_TOPIC, Bench.BODY);
        if (i % 100 == 99) {
          pipeline.sync();
        }
      }
      pipeline.sync();
      return name;
    }

    @Override
    public void close() {
      jedis.close();
    }
  }
}
