package io.callosum.benchmarks;

import io.callosum.Body;
import io.callosum.Payload;
import io.callosum.Peer;
import io.callosum.StreamCall;
import io.callosum.StreamSink;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
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
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * P3: a client sends many 64 KiB items to a server, which counts the bytes and acknowledges the
 * total at the end. Callosum uses a client stream (credit-based flow control), gRPC a client
 * streaming call that honours {@code isReady()}, the raw comparator one blocking socket.
 */
final class BulkStream {
  static final int ITEM = 64 << 10;
  private static final long WAIT_SECONDS = 300;

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

  static void record(Measurement m, String name, long total, long acknowledged, long nanos) {
    if (acknowledged != total) {
      throw new IllegalStateException(name + ": the receiver counted " + acknowledged + " bytes of " + total);
    }
    m.put("MB_per_s", total / 1e6 / (nanos / 1e9));
    m.put("seconds", nanos / 1e9);
  }

  /** A Callosum client stream: the handler takes items from its upstream and returns their byte count. */
  static final class Callosum implements Contender {
    private final String name;
    private final Peer server;
    private final Peer client;
    private final byte[] item = item();

    Callosum(String name, String bindAddress) {
      this.name = name;
      server = Peer.builder().name(name + "-bulk-server").bind(bindAddress).build();
      Peer started = null;
      try {
        server.handleStream("sink", (context, argument, upstream, downstream) -> {
          long bytes = 0;
          for (Body b; (b = upstream.take()) != null; ) {
            bytes += b.bytes().length;
          }
          return bytes;
        });
        server.start();
        started = Peer.builder().name(name + "-bulk-client").connect(server.address()).build().start();
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
      long start = System.nanoTime();
      StreamCall call = client.call("sink").timeout(Duration.ofSeconds(WAIT_SECONDS)).clientStream(null);
      StreamSink upstream = call.upstream();
      Payload payload = Payload.wrap(item);
      for (long sent = 0; sent < total; sent += ITEM) {
        upstream.send(payload);
      }
      upstream.complete();
      long bytes = ((Number) call.result().get(WAIT_SECONDS, TimeUnit.SECONDS)).longValue();
      record(m, name, total, bytes, System.nanoTime() - start);
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

  /** grpc-java client streaming (netty-shaded, plaintext, direct executors), writing only while {@code isReady()}. */
  static final class Grpc implements Contender {
    static final MethodDescriptor<byte[], byte[]> SINK = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.CLIENT_STREAMING)
        .setFullMethodName(MethodDescriptor.generateFullMethodName("callosum.bench.Bulk", "Sink"))
        .setRequestMarshaller(GrpcEcho.ECHO.getRequestMarshaller())
        .setResponseMarshaller(GrpcEcho.ECHO.getResponseMarshaller())
        .build();

    private final Server server;
    private final ManagedChannel channel;
    private final byte[] item = item();

    Grpc() throws IOException {
      ServerServiceDefinition service = ServerServiceDefinition.builder("callosum.bench.Bulk")
          .addMethod(SINK, ServerCalls.asyncClientStreamingCall(reply -> new StreamObserver<byte[]>() {
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
          .build();
      server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .addService(service).directExecutor().build().start();
      int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
      channel = NettyChannelBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
          .usePlaintext().directExecutor().build();
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
      long start = System.nanoTime();
      ClientCallStreamObserver<byte[]> requests = (ClientCallStreamObserver<byte[]>) ClientCalls.asyncClientStreamingCall(
          channel.newCall(SINK, CallOptions.DEFAULT), new ClientResponseObserver<byte[], byte[]>() {
            private byte[] reply;

            @Override
            public void beforeStart(ClientCallStreamObserver<byte[]> stream) {
              stream.setOnReadyHandler(() -> {
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
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      for (long sent = 0; sent < total; sent += ITEM) {
        synchronized (ready) {
          while (!requests.isReady() && !result.isDone()) {
            if (System.nanoTime() - deadline > 0) {
              throw new IllegalStateException("grpc stream not ready for " + WAIT_SECONDS + " s");
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
      long bytes = ByteBuffer.wrap(result.get(WAIT_SECONDS, TimeUnit.SECONDS)).getLong();
      record(m, name(), total, bytes, System.nanoTime() - start);
    }

    @Override
    public void close() {
      try {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The limit proxy: one blocking socket; the client writes an 8-byte length and then the items
   * from a {@code byte[]}, the server reads them into a {@code byte[]} and answers the count.
   */
  static final class RawCopy implements Contender {
    private final ServerSocket listener;
    private final Thread serverThread;
    private final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;
    private final byte[] item = item();

    RawCopy() throws IOException {
      listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
      serverThread = new Thread(this::serve, "raw-copy-server");
      serverThread.setDaemon(true);
      serverThread.start();
      Socket opened = new Socket();
      try {
        opened.connect(listener.getLocalSocketAddress());
        out = new DataOutputStream(opened.getOutputStream());
        in = new DataInputStream(opened.getInputStream());
      } catch (IOException | RuntimeException e) {
        opened.close();
        listener.close();
        throw e;
      }
      socket = opened;
    }

    private void serve() {
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
              return;
            }
            bytes += n;
          }
          to.writeLong(bytes);
          to.flush();
        }
      } catch (IOException e) {
        // closed by close()
      }
    }

    @Override
    public String name() {
      return "raw-socket-copy";
    }

    @Override
    public void measure(Measurement m) throws IOException {
      long total = total(m);
      long start = System.nanoTime();
      out.writeLong(total);
      for (long sent = 0; sent < total; sent += ITEM) {
        out.write(item);
      }
      out.flush();
      record(m, name(), total, in.readLong(), System.nanoTime() - start);
    }

    @Override
    public void close() {
      try {
        socket.close();
        listener.close();
        serverThread.join(5_000);
      } catch (IOException e) {
        // closing anyway
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
