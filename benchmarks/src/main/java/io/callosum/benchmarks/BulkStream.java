package io.callosum.benchmarks;

import io.callosum.ConnectedPeer;
import io.callosum.auth.CurveKeyPair;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * P3: a client in the harness sends many 64 KiB items to a receiver (in its own worker JVM unless
 * same-JVM), which counts the bytes and acknowledges the total at the end. Callosum uses a client
 * stream (credit-based flow control), plain or CurveZMQ; gRPC a client streaming call that honours
 * {@code isReady()}; the comparators one blocking socket, plain or TLS 1.3.
 */
final class BulkStream {
  static final int ITEM = 64 << 10;
  private static final Duration WAIT = Duration.ofMinutes(5);

  private BulkStream() {}

  /** How many bytes one measurement sends: 1 GiB, or 16 MiB with --quick. */
  static long total(Measurement m) {
    return m.size(1L << 30, 16L << 20);
  }

  static byte[] item() {
    byte[] item = new byte[ITEM];
    new Random(3).nextBytes(item);
    return item;
  }

  /**
   * Puts what one measurement moved: MB/s and seconds from {@code nanos}, and CPU time per GB of
   * both sides since {@code cost} started.
   */
  static void record(
      Measurement m, String name, long total, long acknowledged, long nanos, CallCost cost) {
    Map<String, Double> cpu = cost.perGigabyte(total);
    if (acknowledged != total) {
      throw new IllegalStateException(
          name + ": the receiver counted " + acknowledged + " bytes of " + total);
    }
    m.put("MB_per_s", total / 1e6 / (nanos / 1e9));
    m.put("seconds", nanos / 1e9);
    cpu.forEach(m::put);
  }

  /** A Callosum client stream to {@link #callosumSink}; with {@code curve}, over CurveZMQ. */
  static final class Callosum implements Contender {
    private final String name;
    private final Server server;
    private final ConnectedPeer client;
    private final byte[] item = item();

    Callosum(String name, Host host, String bindAddress, boolean curve) throws IOException {
      this.name = name;
      CurveKeyPair clientKeys = curve ? CurveKeyPair.generate() : null;
      server = host.open(name, Role.CALLOSUM_SINK, bindAddress, Security.word(clientKeys));
      ConnectedPeer started = null;
      try {
        started =
            Peers.client(
                name + "-bulk-client",
                server.address(),
                curve ? Security.curveClient(bindAddress, clientKeys, server.ready().get(1)) : null,
                false);
      } finally {
        if (started == null) {
          server.close();
        }
      }
      client = started;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void measure(Measurement m) throws Exception {
      long total = total(m);
      CallCost cost = CallCost.start(this);
      long start = System.nanoTime();
      long bytes = Peers.stream(client, item, total, WAIT);
      record(m, name, total, bytes, System.nanoTime() - start, cost);
    }

    @Override
    public List<Server> servers() {
      return List.of(server);
    }

    @Override
    public void close() {
      try {
        client.close();
      } finally {
        server.close();
      }
    }
  }

  /** Callosum's receiver: {@code ADDRESS SECURITY} ({@link ServedPeer}). */
  static Served callosumSink(List<String> args) {
    return new ServedPeer(
        args.get(0),
        args.get(1),
        (address, transport) -> Peers.sinkServer("bulk-server", address, transport));
  }

  static final MethodDescriptor<byte[], byte[]> SINK =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.CLIENT_STREAMING)
          .setFullMethodName(MethodDescriptor.generateFullMethodName("callosum.bench.Bulk", "Sink"))
          .setRequestMarshaller(GrpcEcho.ECHO.getRequestMarshaller())
          .setResponseMarshaller(GrpcEcho.ECHO.getResponseMarshaller())
          .build();

  /**
   * grpc-java client streaming (netty-shaded, plaintext, direct executors), writing only while
   * {@code isReady()}.
   */
  static final class Grpc implements Contender {
    private final Server server;
    private final ManagedChannel channel;
    private final byte[] item = item();

    Grpc(Host host) throws IOException {
      server = host.open("grpc-direct", Role.GRPC_SINK);
      ManagedChannel opened = null;
      try {
        opened = GrpcEcho.channel(server.address(), true);
      } finally {
        if (opened == null) {
          server.close();
        }
      }
      channel = opened;
    }

    @Override
    public String name() {
      return "grpc-direct";
    }

    @Override
    public void measure(Measurement m) throws Exception {
      long total = total(m);
      Object ready = new Object();
      CompletableFuture<byte[]> result = new CompletableFuture<>();
      CallCost cost = CallCost.start(this);
      long start = System.nanoTime();
      ClientCallStreamObserver<byte[]> requests =
          (ClientCallStreamObserver<byte[]>)
              ClientCalls.asyncClientStreamingCall(
                  channel.newCall(SINK, CallOptions.DEFAULT),
                  new ClientResponseObserver<byte[], byte[]>() {
                    private byte[] reply;

                    @Override
                    public void beforeStart(ClientCallStreamObserver<byte[]> stream) {
                      stream.setOnReadyHandler(
                          () -> {
                            synchronized (ready) {
                              ready.notifyAll();
                            }
                          });
                    }

                    @Override
                    public void onNext(byte[] value) {
                      reply = value;
                    }

                    @Override
                    public void onError(Throwable t) {
                      result.completeExceptionally(t);
                      synchronized (ready) {
                        ready.notifyAll();
                      }
                    }

                    @Override
                    public void onCompleted() {
                      result.complete(reply);
                    }
                  });
      long deadline = System.nanoTime() + WAIT.toNanos();
      for (long sent = 0; sent < total; sent += ITEM) {
        synchronized (ready) {
          while (!requests.isReady() && !result.isDone()) {
            if (System.nanoTime() - deadline > 0) {
              throw new IllegalStateException(
                  "grpc stream not ready for " + WAIT.toSeconds() + " s");
            }
            ready.wait(100);
          }
        }
        if (result.isDone()) {
          break;
        }
        requests.onNext(item);
      }
      requests.onCompleted();
      long bytes = ByteBuffer.wrap(result.get(WAIT.toSeconds(), TimeUnit.SECONDS)).getLong();
      record(m, name(), total, bytes, System.nanoTime() - start, cost);
    }

    @Override
    public List<Server> servers() {
      return List.of(server);
    }

    @Override
    public void close() {
      try {
        GrpcEcho.shutdown(channel);
      } finally {
        server.close();
      }
    }
  }

  /** grpc-java's receiver (direct executor); ready with {@code host:port}. */
  static final class GrpcSink implements Served {
    private final io.grpc.Server server;

    GrpcSink(List<String> args) throws IOException {
      server =
          GrpcEcho.server(
              ServerServiceDefinition.builder("callosum.bench.Bulk")
                  .addMethod(
                      SINK,
                      ServerCalls.asyncClientStreamingCall(
                          reply ->
                              new StreamObserver<byte[]>() {
                                long bytes;

                                @Override
                                public void onNext(byte[] value) {
                                  bytes += value.length;
                                }

                                @Override
                                public void onError(Throwable t) {
                                  // the client went away; nothing to answer
                                }

                                @Override
                                public void onCompleted() {
                                  reply.onNext(ByteBuffer.allocate(8).putLong(bytes).array());
                                  reply.onCompleted();
                                }
                              }))
                  .build(),
              true);
    }

    @Override
    public List<String> ready() {
      return List.of(GrpcEcho.address(server));
    }

    @Override
    public void close() {
      GrpcEcho.shutdown(server);
    }
  }

  /**
   * The limit proxies: one blocking socket, plain ({@code raw-socket-copy}) or TLS 1.3 ({@code
   * tls-socket-copy}, handshake made when opening); the client writes an 8-byte length and then the
   * items from a {@code byte[]}, the receiver reads them into a {@code byte[]} and answers the
   * count.
   */
  static final class SocketCopy implements Contender {
    private final String name;
    private final Server server;
    private final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;
    private final byte[] item = item();

    SocketCopy(Host host, boolean tls) throws Exception {
      name = tls ? "tls-socket-copy" : "raw-socket-copy";
      server = host.open(name, Role.SOCKET_SINK, tls ? "tls" : "plain");
      Socket opened = null;
      try {
        InetSocketAddress address = Sockets.address(server.address());
        if (tls) {
          SSLSocket s =
              (SSLSocket)
                  SelfSignedTls.clientContext(server.ready().get(1))
                      .getSocketFactory()
                      .createSocket(address.getAddress(), address.getPort());
          opened = s;
          s.setEnabledProtocols(new String[] {SelfSignedTls.PROTOCOL});
          s.startHandshake();
        } else {
          opened = new Socket(address.getAddress(), address.getPort());
        }
        out = new DataOutputStream(opened.getOutputStream());
        in = new DataInputStream(opened.getInputStream());
      } catch (Exception | Error e) {
        if (opened != null) {
          opened.close();
        }
        server.close();
        throw e;
      }
      socket = opened;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void measure(Measurement m) throws IOException {
      long total = total(m);
      CallCost cost = CallCost.start(this);
      long start = System.nanoTime();
      out.writeLong(total);
      for (long sent = 0; sent < total; sent += ITEM) {
        out.write(item);
      }
      out.flush();
      record(m, name(), total, in.readLong(), System.nanoTime() - start, cost);
    }

    @Override
    public List<Server> servers() {
      return List.of(server);
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      } finally {
        server.close();
      }
    }
  }

  /**
   * The sockets' receiver, one connection at a time: {@code plain|tls}; ready with {@code
   * host:port} (and the certificate).
   */
  static final class SocketSink implements Served {
    private final ServerSocket listener;
    private final Thread thread;
    private final List<String> ready = new ArrayList<>();

    SocketSink(List<String> args) throws Exception {
      boolean tls = args.get(0).equals("tls");
      if (tls) {
        SelfSignedTls keys = new SelfSignedTls();
        SSLServerSocket s =
            (SSLServerSocket)
                keys.serverContext()
                    .getServerSocketFactory()
                    .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
        s.setEnabledProtocols(new String[] {SelfSignedTls.PROTOCOL});
        listener = s;
        ready.add(Sockets.hostPort((InetSocketAddress) listener.getLocalSocketAddress()));
        ready.add(keys.certificateWord());
      } else {
        listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ready.add(Sockets.hostPort((InetSocketAddress) listener.getLocalSocketAddress()));
      }
      thread = new Thread(this::serve, "socket-sink");
      thread.setDaemon(true);
      thread.start();
    }

    private void serve() {
      while (!listener.isClosed()) {
        try (Socket connection = listener.accept();
            DataInputStream from = new DataInputStream(connection.getInputStream());
            DataOutputStream to = new DataOutputStream(connection.getOutputStream())) {
          byte[] buffer = new byte[ITEM];
          while (true) {
            long expected = from.readLong();
            long bytes = 0;
            while (bytes < expected) {
              int n = from.read(buffer, 0, (int) Math.min(buffer.length, expected - bytes));
              if (n < 0) {
                break;
              }
              bytes += n;
            }
            to.writeLong(bytes);
            to.flush();
          }
        } catch (IOException e) {
          // the client went away, or closed by close()
        }
      }
    }

    @Override
    public List<String> ready() {
      return ready;
    }

    @Override
    public void close() {
      try {
        listener.close();
        thread.join(5_000);
      } catch (IOException e) {
        // closing anyway
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
