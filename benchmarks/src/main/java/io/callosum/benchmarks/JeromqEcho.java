package io.callosum.benchmarks;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Raw jeromq: a ROUTER on its own thread echoes {@code [identity, body]} ({@link Router}, in its
 * own worker JVM unless same-JVM); a DEALER on the harness thread keeps {@code n} bodies
 * outstanding. What the ZeroMQ lower costs on top of jeromq itself.
 */
final class JeromqEcho implements Contender {
  private static final int REPLY_TIMEOUT_MILLIS = 10_000;
  private static final int FIRST_REPLY_MILLIS = 2_000;
  private static final int CONNECT_ATTEMPTS = 5;

  private final Server server;
  private final ZContext context = new ZContext(1);
  private final ZMQ.Socket dealer;

  JeromqEcho(Host host) throws IOException {
    server = host.open("raw-jeromq", Role.JEROMQ_ECHO);
    try {
      dealer = connect(server.address());
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * A fresh DEALER's first message sometimes stalls ~30 s in jeromq 0.6.0: retry with a new socket.
   */
  private ZMQ.Socket connect(String endpoint) throws IOException {
    for (int attempt = 0; attempt < CONNECT_ATTEMPTS; attempt++) {
      ZMQ.Socket socket = context.createSocket(SocketType.DEALER);
      socket.setLinger(0);
      socket.setReceiveTimeOut(FIRST_REPLY_MILLIS);
      socket.connect(endpoint);
      socket.send(Bench.BODY, 0);
      if (socket.recv(0) != null) {
        socket.setReceiveTimeOut(REPLY_TIMEOUT_MILLIS);
        return socket;
      }
      socket.close(); // linger 0, as set above
    }
    throw new IOException("no echo from " + endpoint + " after " + CONNECT_ATTEMPTS + " connects");
  }

  @Override
  public String name() {
    return "raw-jeromq";
  }

  @Override
  public long throughput(int inFlight, long durationNanos) throws IOException {
    long deadline = System.nanoTime() + durationNanos;
    for (int i = 0; i < inFlight; i++) {
      dealer.send(Bench.BODY, 0);
    }
    long sent = inFlight;
    long received = 0;
    while (received < sent) {
      receive();
      received++;
      if (System.nanoTime() - deadline < 0) {
        dealer.send(Bench.BODY, 0);
        sent++;
      }
    }
    return received;
  }

  @Override
  public void latency(Histogram histogram, long durationNanos) throws Exception {
    RoundTrip.record(
        () -> {
          dealer.send(Bench.BODY, 0);
          receive();
        },
        histogram,
        durationNanos);
  }

  private void receive() throws IOException {
    if (dealer.recv(0) == null) {
      throw new IOException("no echo within " + REPLY_TIMEOUT_MILLIS + " ms");
    }
  }

  @Override
  public List<Server> servers() {
    return List.of(server);
  }

  @Override
  public void close() {
    try {
      context.close();
    } finally {
      server.close();
    }
  }

  /** The echoing ROUTER on its own thread; ready with its {@code tcp://} endpoint. */
  static final class Router implements Served {
    private static final int POLL_MILLIS = 100;

    private final ZContext context = new ZContext(1);
    private final Thread thread;
    private final String endpoint;
    private volatile boolean running = true;

    Router(List<String> args) throws Exception {
      CompletableFuture<String> bound = new CompletableFuture<>();
      thread = new Thread(() -> serve(bound), "raw-jeromq-router");
      thread.setDaemon(true);
      thread.start();
      try {
        endpoint = bound.get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        close();
        throw e;
      }
    }

    private void serve(CompletableFuture<String> bound) {
      ZMQ.Socket socket = context.createSocket(SocketType.ROUTER);
      try {
        socket.setLinger(0);
        socket.setReceiveTimeOut(POLL_MILLIS);
        socket.bind("tcp://127.0.0.1:*");
        bound.complete(socket.getLastEndpoint());
        while (running) {
          byte[] identity = socket.recv(0);
          if (identity == null) {
            continue;
          }
          byte[] body = socket.recv(0);
          socket.send(identity, ZMQ.SNDMORE);
          socket.send(body, 0);
        }
      } catch (RuntimeException e) {
        bound.completeExceptionally(e);
        if (running) {
          System.err.println("raw jeromq router failed: " + e);
        }
      } finally {
        socket.close(); // linger 0, as set above
      }
    }

    @Override
    public List<String> ready() {
      return List.of(endpoint);
    }

    @Override
    public void close() {
      running = false;
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        context.close();
      }
    }
  }
}
