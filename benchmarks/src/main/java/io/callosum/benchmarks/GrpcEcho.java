package io.callosum.benchmarks;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * grpc-java unary echo over netty-shaded on loopback, plaintext. The method is described by hand
 * with a {@code byte[]} marshaller, so no generated code is involved: the request and reply carry
 * the same ~50 bytes as the other contenders (a protobuf message would add a 2-byte field header).
 */
final class GrpcEcho extends AsyncContender {
  static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName("callosum.bench.Echo", "Echo"))
      .setRequestMarshaller(BytesMarshaller.INSTANCE)
      .setResponseMarshaller(BytesMarshaller.INSTANCE)
      .build();

  private final String name;
  private final Server server;
  private final ManagedChannel channel;

  /** @param direct both server and channel use {@code directExecutor()}; else grpc's default pools */
  GrpcEcho(boolean direct) throws IOException {
    this.name = direct ? "grpc-direct" : "grpc-default";
    ServerServiceDefinition service = ServerServiceDefinition.builder("callosum.bench.Echo")
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, reply) -> {
          reply.onNext(request);
          reply.onCompleted();
        }))
        .build();
    NettyServerBuilder serverBuilder = NettyServerBuilder
        .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(service);
    if (direct) {
      serverBuilder.directExecutor();
    }
    server = serverBuilder.build().start();
    int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    NettyChannelBuilder channelBuilder = NettyChannelBuilder
        .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
        .usePlaintext();
    if (direct) {
      channelBuilder.directExecutor();
    }
    channel = channelBuilder.build();
  }

  @Override
  CompletableFuture<byte[]> echo(byte[] body) {
    ListenableFuture<byte[]> call = ClientCalls.futureUnaryCall(channel.newCall(ECHO, CallOptions.DEFAULT), body);
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    call.addListener(() -> {
      try {
        result.complete(call.get());
      } catch (ExecutionException e) {
        result.completeExceptionally(e.getCause());
      } catch (InterruptedException | RuntimeException e) {
        result.completeExceptionally(e);
      }
    }, MoreExecutors.directExecutor());
    return result;
  }

  @Override
  public String name() {
    return name;
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
