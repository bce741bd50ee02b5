package io.callosum.benchmarks;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Raw jeromq: a ROUTER on its own thread echoes {@code [identity, body]}; a DEALER on the harness
 * thread keeps {@code n} bodies outstanding. What the ZeroMQ lower costs on top of jeromq itself.
 */
final class JeromqEcho implements Contender {
  private static final int POLL_MILLIS = 100;
  private static final int REPLY_TIMEOUT_MILLIS = 10_000;
  private static final int FIRST_REPLY_MILLIS = 2_000;
  private static final int CONNECT_ATTEMPTS = 5;

  private final ZContext context = new ZContext(1);
  private final Thread router;
  private volatile boolean running = true;
  private final ZMQ.Socket dealer;

  JeromqEcho() throws IOException {
    try {
      CompletableFuture<String> endpoint = new CompletableFuture<>();
      router = new Thread(() -> serve(endpoint), "raw-jeromq-router");
      router.setDaemon(true);
      router.start();
      dealer = connect(endpoint.get(10, TimeUnit.SECONDS));
    } catch (Exception e) {
      close();
      throw new IOException("raw jeromq echo did not start: " + e, e);
    }
  }

  private void serve(CompletableFuture<String> endpoint) {
    ZMQ.Socket socket = context.createSocket(SocketType.ROUTER);
    try {
      socket.setLinger(0);
      socket.setReceiveTimeOut(POLL_MILLIS);
      socket.bind("tcp://127.0.0.1:*");
      endpoint.complete(socket.getLastEndpoint());
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
      endpoint.completeExceptionally(e);
      if (running) {
        System.err.println("raw jeromq router failed: " + e);
      }
    } finally {
      context.destroySocket(socket);
    }
  }

  /** A fresh DEALER's first message sometimes stalls ~30 s in jeromq 0.6.0: retry with a new socket. */
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
      context.destroySocket(socket);
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
    RoundTrip.record(() -> {
      dealer.send(Bench.BODY, 0);
      receive();
    }, histogram, durationNanos);
  }

  private void receive() throws IOException {
    if (dealer.recv(0) == null) {
      throw new IOException("no echo within " + REPLY_TIMEOUT_MILLIS + " ms");
    }
  }

  @Override
  public void close() {
    running = false;
    try {
      if (router != null) {
        router.join(5_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      context.close();
    }
  }
}
