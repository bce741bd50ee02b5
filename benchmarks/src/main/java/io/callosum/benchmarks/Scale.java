package io.callosum.benchmarks;

import io.callosum.Peer;
import io.callosum.lower.Transport;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.lower.zmq.ZmqTransport;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * P7: many idle client peers connected to one bound peer. The bound peer runs in its own worker JVM
 * ({@link Bound}), the clients in others ({@link Clients}, as many as their file descriptors and
 * threads need), so the figures are the serving process's alone: its heap after GC and its live
 * threads with every connection open, minus the same with none, per connection. Each round opens
 * the connections, measures, closes them all, and checks that the serving process's threads come
 * back. A round that cannot open them all (a limit of the lower, of file descriptors or of threads)
 * counts the connections it reached and says why in the worker's reply.
 */
final class Scale implements Contender {
  /** The kinds of client, as their worker role argument. */
  enum Kind {
    /** Each client its own {@link TcpTransport}: its own socket (and I/O thread). */
    TCP("tcp", 2_500, 8),
    /** Every client on one {@link TcpTransport}: channels of one connection. */
    TCP_CHANNELS("tcp-channels", Integer.MAX_VALUE, 8),
    /**
     * Each client its own DEALER socket and connection, every client of a worker JVM on one ZeroMQ
     * transport (one jeromq context and one I/O loop thread serving all its sockets).
     */
    ZMQ("zmq", 2_500, 8);

    final String word;

    /**
     * Clients per worker JVM: each costs file descriptors (socket, selector, wake-up pipe), and a
     * TCP client a thread.
     */
    final int perWorker;

    /**
     * Connects under way at once per worker JVM: more ZeroMQ handshakes at once time out on 2
     * cores.
     */
    final int openers;

    Kind(String word, int perWorker, int openers) {
      this.word = word;
      this.perWorker = perWorker;
      this.openers = openers;
    }

    String scheme() {
      return this == ZMQ ? "zmq+tcp" : "tcp";
    }

    static Kind of(String word) {
      for (Kind k : values()) {
        if (k.word.equals(word)) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown client kind " + word);
    }
  }

  /**
   * P7's worker JVMs: room for many sockets and threads (and for the bound one, the heap they
   * cost).
   */
  static final ChildJvm.Spec BOUND = new ChildJvm.Spec("4g", true);

  static final ChildJvm.Spec CLIENTS = new ChildJvm.Spec("2g", true);
  private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(120);
  private static final long CONNECT_SECONDS = 600;

  private final String name;
  private final int target;
  private final Server bound;
  private final List<Server> clients = new ArrayList<>();

  /**
   * @param target connections per round; the clients are spread over ceil(target / {@link
   *     Kind#perWorker}) worker JVMs (one client group in the harness with {@code --same-jvm})
   */
  Scale(String name, Host host, Kind kind, int target) throws Exception {
    this.name = name;
    this.target = target;
    int workers =
        host.sameJvm()
            ? 1
            : (int) Math.max(1, (target + (long) kind.perWorker - 1) / kind.perWorker);
    List<CompletableFuture<Server>> opening = new ArrayList<>();
    opening.add(open(host, name + "-bound", BOUND, Role.SCALE_SERVER, kind.scheme()));
    for (int i = 0; i < workers; i++) {
      opening.add(open(host, name + "-clients-" + i, CLIENTS, Role.SCALE_CLIENTS, kind.word));
    }
    List<Server> opened = new ArrayList<>();
    Exception failure = null;
    for (CompletableFuture<Server> f : opening) {
      try {
        opened.add(f.get());
      } catch (Exception e) {
        failure = failure == null ? e : failure;
      }
    }
    if (failure != null) {
      opened.forEach(Server::close);
      throw failure;
    }
    bound = opened.get(0);
    clients.addAll(opened.subList(1, opened.size()));
  }

  private static CompletableFuture<Server> open(
      Host host, String label, ChildJvm.Spec spec, Role role, String arg) {
    CompletableFuture<Server> f = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                f.complete(host.open(label, spec, role, arg));
              } catch (Throwable e) {
                f.completeExceptionally(e);
              }
            },
            "open-" + label);
    t.setDaemon(true);
    t.start();
    return f;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void measure(Measurement m) throws Exception {
    int n = target;
    bound.request("mark-threads");
    long[] before = bound.heapAndThreads();
    long clientThreadsBefore = clientThreads();
    long start = System.nanoTime();
    List<String> replies =
        onAllClients(i -> "connect " + bound.address() + " " + share(n, i), CONNECT_SECONDS);
    int opened = 0;
    int failed = 0;
    List<String> problems = new ArrayList<>();
    for (String reply : replies) {
      List<String> words = Worker.words(reply);
      opened += Integer.parseInt(words.get(0));
      failed += Integer.parseInt(words.get(1));
      if (words.size() > 2) {
        problems.add(String.join(" ", words.subList(2, words.size())));
      }
    }
    if (opened == 0) {
      throw new IllegalStateException(name + ": no connection opened: " + problems);
    }
    if (opened < n) {
      m.note(
          String.format(
              "%d of %d connections opened, %d connects failed; first failure per client process:"
                  + " %s",
              opened, n, failed, problems));
    }
    int seen = awaitRemotes(opened);
    if (seen != opened) {
      m.note(
          "the bound peer saw "
              + seen
              + " of the "
              + opened
              + " clients that opened (the figures are per client it saw)");
    }
    if (seen == 0) {
      throw new IllegalStateException(
          name + ": the bound peer sees none of the " + opened + " clients");
    }
    double openSeconds = (System.nanoTime() - start) / 1e9;
    long[] open = bound.heapAndThreads();
    long clientThreadsOpen = clientThreads();
    onAllClients(i -> "close", CONNECT_SECONDS);
    int left = awaitRemotes(0);
    if (left != 0) {
      throw new IllegalStateException(
          name + ": the bound peer still sees " + left + " clients after they all closed");
    }
    awaitThreadsEnded();

    m.put("heap_KiB_per_conn", (open[0] - before[0]) / 1024.0 / seen);
    m.put("threads_per_1k_conn", (open[1] - before[1]) * 1000.0 / seen);
    m.put("client_threads_per_1k_conn", (clientThreadsOpen - clientThreadsBefore) * 1000.0 / seen);
    m.put("connections", seen);
    m.put("open_s", openSeconds);
  }

  /** Live threads of all client processes together (none in the harness with --same-jvm: 0). */
  private long clientThreads() throws IOException {
    long threads = 0;
    for (Server c : clients) {
      threads += c.heapAndThreads()[1];
    }
    return threads;
  }

  /** The part of {@code n} clients the {@code i}-th client worker opens. */
  private int share(int n, int i) {
    int workers = clients.size();
    return n / workers + (i < n % workers ? 1 : 0);
  }

  @FunctionalInterface
  private interface Command {
    String of(int worker);
  }

  /** Sends each client worker its command at once and returns the replies in order. */
  private List<String> onAllClients(Command command, long seconds) throws Exception {
    List<CompletableFuture<String>> replies = new ArrayList<>();
    for (int i = 0; i < clients.size(); i++) {
      Server c = clients.get(i);
      String line = command.of(i);
      replies.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return c.request(line, Duration.ofSeconds(seconds));
                } catch (IOException e) {
                  throw new IllegalStateException(e.getMessage(), e);
                }
              },
              Scale::daemon));
    }
    List<String> result = new ArrayList<>();
    for (CompletableFuture<String> r : replies) {
      result.add(r.get());
    }
    return result;
  }

  private static void daemon(Runnable r) {
    Thread t = new Thread(r, "p7-command");
    t.setDaemon(true);
    t.start();
  }

  /** Waits (bounded) until the bound peer has {@code expected} remotes; returns how many it has. */
  private int awaitRemotes(int expected) throws Exception {
    long deadline = System.nanoTime() + WAIT_NANOS;
    int remotes;
    while ((remotes = Integer.parseInt(bound.request("remotes"))) != expected
        && System.nanoTime() - deadline < 0) {
      Thread.sleep(20);
    }
    return remotes;
  }

  /** Every thread the connections started in the serving process must end. */
  private void awaitThreadsEnded() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (String left = bound.request("new-threads");
        !left.isEmpty();
        left = bound.request("new-threads")) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            name + ": threads of the bound peer left after closing: " + left);
      }
      Thread.sleep(20);
    }
  }

  @Override
  public List<Server> servers() {
    List<Server> all = new ArrayList<>(List.of(bound));
    all.addAll(clients);
    return all;
  }

  @Override
  public void close() {
    for (Server c : clients) {
      c.close();
    }
    bound.close();
  }

  /**
   * The bound peer: {@code tcp|zmq+tcp}, on a loopback ephemeral port with limits that let every
   * connection in (TCP: connections, connections per address and channels per connection raised).
   * {@code remotes} counts its remote peers; {@code mark-threads} remembers the live threads and
   * {@code new-threads} names those started since that still live (but the helpers that the JDK and
   * JNA start once per JVM, on first use, and keep: JNA's cleaner comes with the ZeroMQ lower's
   * first jeromq thread, which binds libc through JNA).
   */
  static final class Bound implements Served {
    private static final Set<String> ONCE_PER_JVM =
        Set.of("Common-Cleaner", "Attach Listener", "JNA Cleaner");

    /**
     * Threads whose name starts so are the JDK's pools, kept once started: the process reapers
     * (named "process reaper (pid N)" while they wait for a process, on JDK 17 too) and the common
     * fork-join pool.
     */
    private static final List<String> JDK_POOLS =
        List.of("process reaper", "ForkJoinPool.commonPool");

    private final Peer peer;
    private Set<Thread> marked = Set.of();

    Bound(List<String> args) {
      String scheme = args.get(0);
      Transport transport =
          scheme.equals("tcp")
              ? new TcpTransport(
                  TcpOptions.builder()
                      .maxConnections(1_000_000)
                      .maxConnectionsPerAddress(1_000_000) // every client comes from loopback
                      .maxChannelsPerConnection(1_000_000)
                      .build())
              : new ZmqTransport();
      peer = Peers.echoServer("scale-bound", scheme + "://127.0.0.1:0", transport, false);
    }

    @Override
    public List<String> ready() {
      return List.of(Peers.address(peer));
    }

    @Override
    public String command(String name, List<String> args) {
      return switch (name) {
        case "remotes" -> Integer.toString(Peers.remotes(peer));
        case "mark-threads" -> {
          marked = Thread.getAllStackTraces().keySet();
          yield Integer.toString(marked.size());
        }
        case "new-threads" ->
            String.join(
                ",",
                Thread.getAllStackTraces().keySet().stream()
                    .filter(
                        t ->
                            t.isAlive()
                                && !marked.contains(t)
                                && !ONCE_PER_JVM.contains(t.getName())
                                && JDK_POOLS.stream().noneMatch(t.getName()::startsWith))
                    .map(Thread::getName)
                    .sorted()
                    .toList());
        default -> throw new IllegalArgumentException("unknown command " + name);
      };
    }

    @Override
    public void close() {
      peer.close();
    }
  }

  /**
   * Idle client peers of one {@link Kind}: {@code connect ADDRESS N} opens N of them ({@link
   * Kind#openers} at a time) and answers how many opened, how many connects failed and the first
   * failure; a failed connect is not retried, and {@value #FAILED_IN_A_ROW} failures in a row with
   * no success between end the opening (a limit reached). {@code close} closes them all.
   *
   * <p>A TCP client's transport ticks less often than the default (heartbeat 5 s / 30 s, reconnect
   * from 1 s): an idle {@link TcpTransport} wakes its I/O thread every quarter of its shortest
   * interval, 25 ms by default, and 10,000 client transports waking 40 times a second would take
   * the machine from the process being measured. The bound peer keeps the defaults.
   */
  static final class Clients implements Served {
    private static final int FAILED_IN_A_ROW = 8;
    private static final TcpOptions QUIET =
        TcpOptions.builder()
            .heartbeat(Duration.ofSeconds(5), Duration.ofSeconds(30))
            .reconnect(Duration.ofSeconds(1), Duration.ofSeconds(10))
            .build();

    private final Kind kind;
    private final List<Peer> peers = Collections.synchronizedList(new ArrayList<>());

    /** Gives each new client its lower. */
    private final Supplier<Transport> transport;

    /** ZMQ: the transport of all clients of this process; guarded by {@code this}. */
    private Transport zmq;

    Clients(List<String> args) {
      kind = Kind.of(args.get(0));
      transport =
          switch (kind) {
            case TCP -> () -> new TcpTransport(QUIET);
            case TCP_CHANNELS -> {
              Transport shared =
                  new TcpTransport(QUIET.toBuilder().maxChannelsPerConnection(1_000_000).build());
              yield () -> shared;
            }
            case ZMQ -> this::nextZmq;
          };
    }

    private synchronized Transport nextZmq() {
      if (zmq == null) {
        zmq = new ZmqTransport();
      }
      return zmq;
    }

    @Override
    public List<String> ready() {
      return List.of(kind.word);
    }

    @Override
    public String command(String name, List<String> args) throws Exception {
      return switch (name) {
        case "connect" -> connect(args.get(0), Integer.parseInt(args.get(1)));
        case "close" -> Integer.toString(closeAll());
        default -> throw new IllegalArgumentException("unknown command " + name);
      };
    }

    private String connect(String address, int n) throws InterruptedException {
      AtomicInteger next = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      AtomicInteger failedInARow = new AtomicInteger();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      ExecutorService openers = Executors.newFixedThreadPool(kind.openers);
      try {
        for (int i = 0; i < kind.openers; i++) {
          openers.execute(
              () -> {
                while (failedInARow.get() < FAILED_IN_A_ROW && next.getAndIncrement() < n) {
                  try {
                    peers.add(
                        Peers.client("scale-" + peers.size(), address, transport.get(), false));
                    failedInARow.set(0);
                  } catch (RuntimeException | Error e) {
                    failure.compareAndSet(null, e);
                    failed.incrementAndGet();
                    failedInARow.incrementAndGet();
                  }
                }
              });
        }
      } finally {
        openers.shutdown();
        if (!openers.awaitTermination(CONNECT_SECONDS, TimeUnit.SECONDS)) {
          failure.compareAndSet(
              null, new IllegalStateException("still opening after " + CONNECT_SECONDS + " s"));
          openers.shutdownNow();
        }
      }
      Throwable f = failure.get();
      return peers.size() + " " + failed.get() + (f == null ? "" : " " + Worker.oneLine(f));
    }

    /**
     * Closes the clients 16 at a time: a ZeroMQ peer lingers ~0.1 s in close, which one by one adds
     * up to minutes.
     */
    private int closeAll() throws InterruptedException {
      List<Peer> all;
      synchronized (peers) {
        all = new ArrayList<>(peers);
        peers.clear();
      }
      synchronized (this) {
        zmq = null;
      }
      ExecutorService closers = Executors.newFixedThreadPool(16);
      List<Future<?>> closing = new ArrayList<>();
      for (Peer p : all) {
        closing.add(closers.submit(p::close));
      }
      closers.shutdown();
      if (!closers.awaitTermination(CONNECT_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException(
            "closing " + all.size() + " peers took more than " + CONNECT_SECONDS + " s");
      }
      return closing.size();
    }

    @Override
    public void close() {
      try {
        closeAll();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
