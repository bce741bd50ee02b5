package io.callosum.examples.uppers;

import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.callosum.CallTimeoutException;
import io.callosum.ConnectedPeer;
import io.callosum.Invoker;
import io.callosum.Peer;
import io.callosum.examples.uppers.proto.AddReply;
import io.callosum.examples.uppers.proto.AddRequest;
import io.callosum.examples.uppers.proto.DemoError;
import io.callosum.examples.uppers.proto.DemoProto;
import io.callosum.examples.uppers.proto.EchoReply;
import io.callosum.examples.uppers.proto.EchoRequest;
import io.callosum.examples.uppers.proto.Empty;
import io.callosum.examples.uppers.proto.FailRequest;
import io.callosum.examples.uppers.proto.NextReply;
import io.callosum.examples.uppers.proto.NextRequest;
import io.callosum.examples.uppers.proto.SlowRequest;
import io.callosum.upper.protobuf.ProtobufClient;
import io.callosum.upper.protobuf.ProtobufCodec;
import io.callosum.upper.protobuf.ProtobufServiceException;
import io.callosum.upper.protobuf.ProtobufServices;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo service in Protobuf ({@code src/main/proto/demo.proto}): typed calls named by the
 * service's rpcs ({@code callosum.demo.Demo/Echo} on the wire), protobuf bodies, and the declared
 * error {@code DemoError} carried by {@link ProtobufServiceException}.
 */
public final class ProtobufDemo implements DemoUpper {
  /** The service as generated from demo.proto. */
  public static final ServiceDescriptor SERVICE = DemoProto.getDescriptor().getServices().get(0);

  /** The caller's side of service Demo: one method per rpc. */
  public interface Api {
    CompletableFuture<EchoReply> echo(EchoRequest request);

    CompletableFuture<AddReply> add(AddRequest request);

    CompletableFuture<Empty> fail(FailRequest request);

    CompletableFuture<Empty> slow(SlowRequest request);

    CompletableFuture<NextReply> next(NextRequest request);
  }

  /** The server's side of service Demo. */
  public interface Service {
    EchoReply echo(EchoRequest request);

    AddReply add(AddRequest request);

    Empty fail(FailRequest request);

    Empty slow(SlowRequest request) throws InterruptedException;

    NextReply next(NextRequest request);
  }

  /** The implementation. */
  static final class Server implements Service {
    private final Map<String, AtomicLong> sequences = new ConcurrentHashMap<>();

    @Override
    public EchoReply echo(EchoRequest request) {
      return EchoReply.newBuilder().setText(request.getText()).build();
    }

    @Override
    public AddReply add(AddRequest request) {
      return AddReply.newBuilder().setSum(request.getA() + request.getB()).build();
    }

    @Override
    public Empty fail(FailRequest request) {
      throw new ProtobufServiceException(
          DemoError.newBuilder().setReason(request.getReason()).build(), request.getReason());
    }

    @Override
    public Empty slow(SlowRequest request) throws InterruptedException {
      Thread.sleep(request.getMillis());
      return Empty.getDefaultInstance();
    }

    @Override
    public NextReply next(NextRequest request) {
      long n = sequences.computeIfAbsent(request.getKey(), k -> new AtomicLong()).incrementAndGet();
      return NextReply.newBuilder().setValue(n).build();
    }
  }

  @Override
  public String name() {
    return "protobuf";
  }

  @Override
  public <B extends Peer.Options<B>> B configure(B builder) {
    return builder.codec(new ProtobufCodec()); // the one line that differs per upper
  }

  @Override
  public void serve(Peer server) {
    ProtobufServices.bind(server, SERVICE, Service.class, new Server());
  }

  @Override
  public DemoClient client(Invoker peer) {
    ProtobufClient<Api> client = ProtobufServices.client(peer, SERVICE, Api.class);
    Api api = client.stub();
    return new DemoClient() {
      @Override
      public CompletableFuture<String> echo(String text) {
        return api.echo(EchoRequest.newBuilder().setText(text).build())
            .thenApply(EchoReply::getText);
      }

      @Override
      public CompletableFuture<Long> add(long a, long b) {
        return api.add(AddRequest.newBuilder().setA(a).setB(b).build()).thenApply(AddReply::getSum);
      }

      @Override
      public CompletableFuture<Void> fail(String reason) {
        return api.fail(FailRequest.newBuilder().setReason(reason).build()).thenApply(v -> null);
      }

      @Override
      public CompletableFuture<Void> slow(long millis, Duration timeout) {
        return client
            .withTimeout(timeout)
            .stub()
            .slow(SlowRequest.newBuilder().setMillis(millis).build())
            .thenApply(v -> null);
      }

      @Override
      public CompletableFuture<Long> next(String key) {
        return client
            .withOrderKey(key)
            .stub()
            .next(NextRequest.newBuilder().setKey(key).build())
            .thenApply(NextReply::getValue);
      }
    };
  }

  @Override
  public boolean isDeclaredFailure(Throwable failure, String reason) {
    if (!(failure instanceof ProtobufServiceException e)) {
      return false;
    }

    return e.hasStatus(DemoError.getDefaultInstance())
        && e.status(DemoError.getDefaultInstance()).getReason().equals(reason);
  }

  /**
   * Starts a server and a client in this process (in-process lower), calls each method and prints
   * what happens: the body of {@code ./callosum example protobuf}.
   */
  public static void run(PrintWriter out) {
    ProtobufDemo upper = new ProtobufDemo();
    String address = "inproc://protobuf-demo-" + System.nanoTime();
    try (Peer server =
        upper.configure(Peer.builder().bind(address).ordering(MsgpackDemo.ordering())).build()) {
      upper.serve(server);
      server.start();
      try (ConnectedPeer peer =
          upper.configure(Peer.builder().connect(server.address())).build().start()) {
        DemoClient demo = upper.client(peer);
        out.println(
            "server at "
                + server.address()
                + ", service "
                + SERVICE.getFullName()
                + " (methods "
                + SERVICE.getFullName()
                + "/Echo, /Add, /Fail, /Slow, /Next)");
        out.println("echo(\"hello\")      -> " + demo.echo("hello").join());
        out.println("add(40, 2)         -> " + demo.add(40, 2).join());
        out.println("fail(\"no funds\")   -> " + outcome(demo.fail("no funds")));
        out.println("slow(5000), 100 ms -> " + outcome(demo.slow(5_000, Duration.ofMillis(100))));
        StringBuilder seq = new StringBuilder();
        for (int i = 0; i < 3; i++) {
          seq.append(i == 0 ? "" : ", ").append(demo.next("k").join());
        }
        out.println("next(\"k\") x3       -> " + seq);
      }
    }
    out.flush();
  }

  private static String outcome(CompletableFuture<?> call) {
    try {
      return "returned " + call.join();
    } catch (CompletionException e) {
      Throwable t = e.getCause();
      if (t instanceof ProtobufServiceException p) {

        return "declared error "
            + p.statusType()
            + " {reason: \""
            + p.status(DemoError.getDefaultInstance()).getReason()
            + "\"}";
      }
      if (t instanceof CallTimeoutException) {
        return "timed out (" + t.getMessage() + "); the handler was cancelled";
      }
      return "failed: " + t;
    }
  }
}
