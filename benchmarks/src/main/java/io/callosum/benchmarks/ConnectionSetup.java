package io.callosum.benchmarks;

import io.callosum.Payload;
import io.callosum.Peer;
import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.lower.Transport;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.lower.zmq.ZmqOptions;
import io.callosum.lower.zmq.ZmqTransport;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * P4: connect + first call over a fresh connection, many times in a row; each contender's server
 * stays up, and what a connection leaves behind is closed before the next one (untimed).
 */
final class ConnectionSetup {
  private static final long WAIT_SECONDS = 10;

  private ConnectionSetup() {}

  /** Connections per measurement: 200, or 5 with --quick. */
  static int connections(Measurement m) {
    return (int) m.size(200, 5);
  }

  /** Times {@code connectAndCall} (which returns what to close afterwards) {@link #connections} times. */
  static void time(Measurement m, Connect connect) throws Exception {
    for (int i = connections(m); i > 0; i--) {
      long start = System.nanoTime();
      AutoCloseable opened = connect.once();
      m.histogram.recordValue(System.nanoTime() - start);
      opened.close();
    }
    m.putPercentilesMillis();
  }

  @FunctionalInterface
  interface Connect {
    /** Connects, completes the first call, and returns what to close. */
    AutoCloseable once() throws Exception;
  }

  /**
   * Callosum over TCP: the client gets a fresh {@link TcpTransport} for each connection, since
   * peers of one transport to one address share a connection. With {@code curve}, CurveZMQ.
   */
  static Contender callosumTcp(boolean curve) {
    if (!curve) {
      return new Callosum("callosum-tcp", "tcp://127.0.0.1:0", new TcpTransport(), TcpTransport::new);
    }
    Keys keys = new Keys();
    return new Callosum("callosum-tcp-curve", "tcp://127.0.0.1:0",
        new TcpTransport(TcpOptions.builder().curveServer(keys.server()).build()),
        () -> new TcpTransport(TcpOptions.builder().curveClient(keys.client()).build()));
  }

  /** Callosum over ZeroMQ: one client transport (one jeromq context); every peer has its own socket and connection. */
  static Contender callosumZmq(boolean curve) {
    if (!curve) {
      ZmqTransport client = new ZmqTransport();
      return new Callosum("callosum-zmq", "zmq+tcp://127.0.0.1:0", new ZmqTransport(), () -> client);
    }
    Keys keys = new Keys();
    ZmqTransport client = new ZmqTransport(ZmqOptions.defaults().withCurveClient(keys.client()));
    return new Callosum("callosum-zmq-curve", "zmq+tcp://127.0.0.1:0",
        new ZmqTransport(ZmqOptions.defaults().withCurveServer(keys.server())), () -> client);
  }

  /** A server key pair and one client key pair it allows, made once per contender. */
  private record Keys(CurveKeyPair serverKeys, CurveKeyPair clientKeys) {
    Keys() {
      this(CurveKeyPair.generate(), CurveKeyPair.generate());
    }

    AllowListAuthenticator server() {
      return new AllowListAuthenticator("callosum", serverKeys).allow(clientKeys.publicKey(), "bench");
    }

    ClientAuthenticator client() {
      return ClientAuthenticator.of(serverKeys.publicKey(), clientKeys);
    }
  }

  /** A bound Callosum echo peer (direct executors); each connection is a new client peer, closed after its first call. */
  static final class Callosum implements Contender {
    private final String name;
    private final Peer server;
    private final Supplier<Transport> clientTransport;

    Callosum(String name, String bindAddress, Transport serverTransport, Supplier<Transport> clientTransport) {
      this.name = name;
      this.clientTransport = clientTransport;
      server = Peer.builder().name(name + "-setup-server").bind(bindAddress).transport(serverTransport)
          .directExecutor().build();
      try {
        server.handle("echo", (context, body) -> Payload.wrap(body.bytes()));
        server.start();
      } catch (RuntimeException e) {
        server.close();
        throw e;
      }
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void measure(Measurement m) throws Exception {
      time(m, () -> {
        Peer client = Peer.builder().name(name + "-setup-client").connect(server.address())
            .transport(clientTransport.get()).directExecutor().build();
        try {
          client.start();
          client.call("echo").invokeRaw(Payload.wrap(Bench.BODY)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception | Error e) {
          client.close();
          throw e;
        }
        return client;
      });
    }

    @Override
    public void close() {
      server.close();
    }
  }

  /** grpc-java: a new plaintext channel (direct executor) per connection, shut down after its first call. */
  static final class Grpc implements Contender {
    private final Server server;
    private final InetSocketAddress address;

    Grpc() throws IOException {
      ServerServiceDefinition service = ServerServiceDefinition.builder("callosum.bench.Echo")
          .addMethod(GrpcEcho.ECHO, ServerCalls.asyncUnaryCall((request, reply) -> {
            reply.onNext(request);
            reply.onCompleted();
          }))
          .build();
      server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .addService(service).directExecutor().build().start();
      address = new InetSocketAddress(InetAddress.getLoopbackAddress(),
          ((InetSocketAddress) server.getListenSockets().get(0)).getPort());
    }

    @Override
    public String name() {
      return "grpc-plaintext";
    }

    @Override
    public void measure(Measurement m) throws Exception {
      time(m, () -> {
        ManagedChannel channel = NettyChannelBuilder.forAddress(address).usePlaintext().directExecutor().build();
        try {
          ClientCalls.futureUnaryCall(channel.newCall(GrpcEcho.ECHO, CallOptions.DEFAULT), Bench.BODY)
              .get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception | Error e) {
          channel.shutdownNow();
          throw e;
        }
        return () -> channel.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
      });
    }

    @Override
    public void close() {
      try {
        server.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A blocking socket: connect, one length-prefixed echo, close. The floor. */
  static final class RawTcp implements Contender {
    private final LengthPrefixedEchoServer server;
    private final byte[] reply = new byte[Bench.BODY.length];

    RawTcp() throws IOException {
      server = new LengthPrefixedEchoServer(4096);
    }

    @Override
    public String name() {
      return "raw-tcp";
    }

    @Override
    public void measure(Measurement m) throws Exception {
      InetSocketAddress address = server.address();
      time(m, () -> {
        Socket socket = new Socket();
        try {
          socket.setTcpNoDelay(true);
          socket.connect(address);
          DataOutputStream out = new DataOutputStream(socket.getOutputStream());
          out.writeInt(Bench.BODY.length);
          out.write(Bench.BODY);
          out.flush();
          DataInputStream in = new DataInputStream(socket.getInputStream());
          if (in.readInt() != reply.length) {
            throw new IOException("echo of another length");
          }
          in.readFully(reply);
        } catch (IOException | RuntimeException e) {
          socket.close();
          throw e;
        }
        return socket;
      });
    }

    @Override
    public void close() {
      server.close();
    }
  }
}
