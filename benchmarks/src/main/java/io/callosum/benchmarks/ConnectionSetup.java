package io.callosum.benchmarks;

import io.callosum.ConnectedPeer;
import io.callosum.auth.CurveKeyPair;
import io.callosum.lower.Transport;
import io.callosum.lower.tcp.TcpTransport;
import io.callosum.lower.zmq.ZmqTransport;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * P4: connect + first call over a fresh connection, many times in a row, from the harness; each
 * contender's server stays up (in its own worker JVM unless same-JVM), and what a connection leaves
 * behind is closed before the next one (untimed).
 */
final class ConnectionSetup {
  private static final long WAIT_SECONDS = 10;

  private ConnectionSetup() {}

  /** Connections per measurement: 200, or 5 with --quick. */
  static int connections(Measurement m) {
    return (int) m.size(200, 5);
  }

  /**
   * Times {@code connectAndCall} (which returns what to close afterwards) {@link #connections}
   * times; reports p50, p99 and the number of connects they come from.
   */
  static void time(Measurement m, Connect connect) throws Exception {
    int connections = connections(m);
    for (int i = connections; i > 0; i--) {
      long start = System.nanoTime();
      AutoCloseable opened = connect.once();
      m.histogram.recordValue(System.nanoTime() - start);
      opened.close();
    }
    if (m.histogram.getTotalCount() != connections) {
      throw new IllegalStateException(
          m.histogram.getTotalCount() + " connects timed, not " + connections);
    }
    m.putPercentilesMillis();
    m.put("connects", connections);
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
  static Contender callosumTcp(Host host, boolean curve) throws IOException {
    if (!curve) {
      return new Callosum(
          "callosum-tcp", host, "tcp://127.0.0.1:0", null, server -> TcpTransport::new);
    }
    CurveKeyPair clientKeys = CurveKeyPair.generate();
    return new Callosum(
        "callosum-tcp-curve",
        host,
        "tcp://127.0.0.1:0",
        clientKeys,
        server -> () -> Security.curveClient(server.address(), clientKeys, server.ready().get(1)));
  }

  /**
   * Callosum over ZeroMQ: one client transport (one jeromq context); every peer has its own socket
   * and connection.
   */
  static Contender callosumZmq(Host host, boolean curve) throws IOException {
    if (!curve) {
      return new Callosum(
          "callosum-zmq",
          host,
          "zmq+tcp://127.0.0.1:0",
          null,
          server -> {
            Transport shared = new ZmqTransport();
            return () -> shared;
          });
    }
    CurveKeyPair clientKeys = CurveKeyPair.generate();
    return new Callosum(
        "callosum-zmq-curve",
        host,
        "zmq+tcp://127.0.0.1:0",
        clientKeys,
        server -> {
          Transport shared =
              Security.curveClient(server.address(), clientKeys, server.ready().get(1));
          return () -> shared;
        });
  }

  /**
   * A bound Callosum echo peer (direct executors; in its own worker JVM unless same-JVM); each
   * connection is a new client peer, closed after its first call.
   */
  static final class Callosum implements Contender {
    private final String name;
    private final Server server;
    private final Supplier<Transport> clientTransport;

    /**
     * @param clientKeys the client key pair the server lets in (CurveZMQ), or null for plain
     * @param clientTransports given the server, what gives each new client its lower
     */
    Callosum(
        String name,
        Host host,
        String bindAddress,
        CurveKeyPair clientKeys,
        Function<Server, Supplier<Transport>> clientTransports)
        throws IOException {
      this.name = name;
      server =
          host.open(name, Role.CALLOSUM_ECHO, bindAddress, "direct", Security.word(clientKeys));
      try {
        clientTransport = clientTransports.apply(server);
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
      time(
          m,
          () -> {
            ConnectedPeer client =
                Peers.client(name + "-setup-client", server.address(), clientTransport.get(), true);
            try {
              Peers.call(client, Peers.ECHO, Bench.BODY).get(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (Exception | Error e) {
              client.close();
              throw e;
            }
            return client;
          });
    }

    @Override
    public List<Server> servers() {
      return List.of(server);
    }

    @Override
    public void close() {
      server.close();
    }
  }

  /**
   * grpc-java: a new plaintext channel (direct executor) per connection, shut down after its first
   * call.
   */
  static final class Grpc implements Contender {
    private final Server server;

    Grpc(Host host) throws IOException {
      server = host.open("grpc-plaintext", Role.GRPC_ECHO, "direct");
    }

    @Override
    public String name() {
      return "grpc-plaintext";
    }

    @Override
    public void measure(Measurement m) throws Exception {
      time(
          m,
          () -> {
            ManagedChannel channel = GrpcEcho.channel(server.address(), true);
            try {
              ClientCalls.futureUnaryCall(
                      channel.newCall(GrpcEcho.ECHO, CallOptions.DEFAULT), Bench.BODY)
                  .get(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (Exception | Error e) {
              channel.shutdownNow();
              throw e;
            }
            return () -> channel.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
          });
    }

    @Override
    public List<Server> servers() {
      return List.of(server);
    }

    @Override
    public void close() {
      server.close();
    }
  }

  /**
   * Raw jeromq, what the ZeroMQ lower's connects cost on top of: a fresh DEALER of one shared
   * context per connection, connect, one echo from the raw ROUTER, close (linger 0). Without an
   * echo within 1 s the connection is retried on a fresh socket, as the lower's handshake retry
   * does (jeromq 0.6.0's first-connect stall, docs/PERFORMANCE.md); the time of every attempt
   * counts.
   */
  static final class RawJeromq implements Contender {
    private static final int RETRY_MILLIS = 1_000;

    private final Server server;
    private final ZContext context = new ZContext(1);

    RawJeromq(Host host) throws IOException {
      server = host.open("raw-jeromq", Role.JEROMQ_ECHO);
    }

    @Override
    public String name() {
      return "raw-jeromq";
    }

    @Override
    public void measure(Measurement m) throws Exception {
      long attempts = WAIT_SECONDS * 1_000 / RETRY_MILLIS;
      time(
          m,
          () -> {
            for (long attempt = 0; attempt < attempts; attempt++) {
              ZMQ.Socket socket = context.createSocket(SocketType.DEALER);
              socket.setLinger(0);
              socket.setReceiveTimeOut(RETRY_MILLIS);
              socket.connect(server.address());
              socket.send(Bench.BODY, 0);
              if (socket.recv(0) != null) {
                return socket; // closed with linger 0, as set above
              }
              socket.close();
            }
            throw new IOException("no echo from " + server.address() + " in " + attempts + " s");
          });
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
  }

  /** A blocking socket: connect, one length-prefixed echo, close. The floor. */
  static final class RawTcp implements Contender {
    private final Server server;
    private final byte[] reply = new byte[Bench.BODY.length];

    RawTcp(Host host) throws IOException {
      server = host.open("raw-tcp", Role.RAW_ECHO, "4096");
    }

    @Override
    public String name() {
      return "raw-tcp";
    }

    @Override
    public void measure(Measurement m) throws Exception {
      InetSocketAddress address = Sockets.address(server.address());
      time(
          m,
          () -> {
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
    public List<Server> servers() {
      return List.of(server);
    }

    @Override
    public void close() {
      server.close();
    }
  }
}
