package io.callosum.benchmarks;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * grpc-java unary echo over netty-shaded on loopback, plaintext: the server in its own worker JVM
 * (unless same-JVM), the channel in the harness. The method is described by hand with a {@code
 * byte[]} marshaller, so no generated code is involved: the request and reply carry the same ~50
 * bytes as the other contenders (a protobuf message would add a 2-byte field header).
 */
final class GrpcEcho extends AsyncContender {
  static final MethodDescriptor<byte[], byte[]> ECHO =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName("callosum.bench.Echo", "Echo"))
          .setRequestMarshaller(BytesMarshaller.INSTANCE)
          .setResponseMarshaller(BytesMarshaller.INSTANCE)
          .build();

  private final String name;
  private final Server server;
  private final ManagedChannel channel;

  /**
   * @param direct both server and channel use {@code directExecutor()}; else grpc's default pools
   */
  GrpcEcho(Host host, boolean direct) throws IOException {
    this.name = direct ? "grpc-direct" : "grpc-default";
    server = host.open(name, Role.GRPC_ECHO, direct ? "direct" : "default");
    ManagedChannel opened = null;
    try {
      opened = channel(server.address(), direct);
    } finally {
      if (opened == null) {
        server.close();
      }
    }
    channel = opened;
  }

  /** A plaintext channel to {@code hostPort}, with a direct executor or grpc's default. */
  static ManagedChannel channel(String hostPort, boolean direct) {
    NettyChannelBuilder builder =
        NettyChannelBuilder.forAddress(Sockets.address(hostPort)).usePlaintext();
    if (direct) {
      builder.directExecutor();
    }
    return builder.build();
  }

  /** A started plaintext server on a loopback ephemeral port with {@code service}. */
  static io.grpc.Server server(ServerServiceDefinition service, boolean direct) throws IOException {
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(service);
    if (direct) {
      builder.directExecutor();
    }
    return builder.build().start();
  }

  /** The {@code host:port} a started server listens on. */
  static String address(io.grpc.Server server) {
    return Sockets.hostPort((InetSocketAddress) server.getListenSockets().get(0));
  }

  @Override
  CompletableFuture<byte[]> echo(byte[] body) {
    ListenableFuture<byte[]> call =
        ClientCalls.futureUnaryCall(channel.newCall(ECHO, CallOptions.DEFAULT), body);
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    call.addListener(
        () -> {
          try {
            result.complete(call.get());
          } catch (ExecutionException e) {
            result.completeExceptionally(e.getCause());
          } catch (InterruptedException | RuntimeException e) {
            result.completeExceptionally(e);
          }
        },
        MoreExecutors.directExecutor());
    return result;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public List<Server> servers() {
    return List.of(server);
  }

  @Override
  public void close() {
    try {
      shutdown(channel);
    } finally {
      server.close();
    }
  }

  static void shutdown(ManagedChannel channel) {
    try {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void shutdown(io.grpc.Server server) {
    try {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The echo service on a loopback ephemeral port: {@code direct|default}; ready with {@code
   * host:port}.
   */
  static final class Serving implements Served {
    private final io.grpc.Server server;

    Serving(List<String> args) throws IOException {
      server =
          server(
              ServerServiceDefinition.builder("callosum.bench.Echo")
                  .addMethod(
                      ECHO,
                      ServerCalls.asyncUnaryCall(
                          (request, reply) -> {
                            reply.onNext(request);
                            reply.onCompleted();
                          }))
                  .build(),
              args.get(0).equals("direct"));
    }

    @Override
    public List<String> ready() {
      return List.of(address(server));
    }

    @Override
    public void close() {
      shutdown(server);
    }
  }

  private enum BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try (stream) {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
