package io.callosum.upper.protobuf;

import com.google.protobuf.BlockingRpcChannel;
import com.google.protobuf.BlockingService;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.RpcChannel;
import com.google.protobuf.Service;
import io.callosum.Invoker;
import io.callosum.Peer;
import io.callosum.upper.protobuf.internal.ClientStub;
import io.callosum.upper.protobuf.internal.ServerBinding;
import java.util.List;

/**
 * Typed calls for a {@code .proto} service: its descriptor (from the generated code, e.g. {@code
 * DemoProto.getDescriptor().getServices().get(0)}) plus a Java interface whose methods are named
 * after its rpcs ({@code echo} for {@code rpc Echo}). Each method is checked against its rpc's
 * message types and streaming shape when the client or binding is made; on the wire the method is
 * {@code package.Service/Method} and bodies are the messages' protobuf encoding.
 *
 * <p>Client methods: {@code CompletableFuture<Resp> m(Req)} (asynchronous; cancelling it sends
 * CANCEL), {@code Resp m(Req)} (blocking), and for streaming rpcs {@code MessageStreamCall<Req,
 * Resp>} ({@code m(Req)} for server streaming, {@code m()} otherwise). Server methods: {@code Resp
 * m(Req)} or {@code CompletionStage<Resp> m(Req)}; {@code void m(Req, MessageSink<Resp>)}; {@code
 * Resp m(MessageSource<Req>)}; {@code void m(MessageSource<Req>, MessageSink<Resp>)}; each may take
 * the call's {@link io.callosum.CallContext} as an extra last parameter (the caller, to call it
 * back; its identity; the order key; cancellation).
 *
 * <p>A client interface's default methods run as written (on a public interface: the JDK lets a
 * proxy call them only there), e.g. convenience wrappers around the rpcs.
 *
 * <p>A handler's {@link ProtobufServiceException} reaches the caller as itself (the declared
 * error); a request that does not parse as the rpc's input type is answered with a {@code
 * RemoteInternalException} ({@code CODEC_ERROR}) naming the type. Thread-safe.
 */
public final class ProtobufServices {
  private ProtobufServices() {}

  /** A client of {@code service} through {@code api}'s methods, calling over {@code invoker}. */
  public static <T> ProtobufClient<T> client(
      Invoker invoker, ServiceDescriptor service, Class<T> api) {
    return new ProtobufClient<>(invoker, api, ClientStub.model(service, api), null, null, false);
  }

  /**
   * Serves {@code service} on {@code peer} (before or after it starts) with {@code impl}'s methods
   * of {@code api}; rpcs that {@code api} does not declare stay unhandled (callers get {@code
   * NO_SUCH_METHOD}). Handlers run on the peer's handler executor, under its ordering.
   *
   * @return the method names registered, e.g. {@code callosum.demo.Demo/Echo}
   */
  public static <T> List<String> bind(Peer peer, ServiceDescriptor service, Class<T> api, T impl) {
    return ServerBinding.bind(peer, service, api, impl);
  }

  /**
   * A channel for protoc's generic-service stubs ({@code option java_generic_services = true}):
   * {@code Foo.newStub(ProtobufServices.rpcChannel(peer))} works unchanged. Pass a {@link
   * ProtobufController} for order keys, timeouts and cancellation. Unary rpcs only.
   */
  public static RpcChannel rpcChannel(Invoker invoker) {
    return new GenericServices.Channel(invoker);
  }

  /**
   * {@link #rpcChannel} for {@code Foo.newBlockingStub(...)}: failures throw {@code
   * ServiceException} whose cause is the call's {@code CallosumException}.
   */
  public static BlockingRpcChannel blockingRpcChannel(Invoker invoker) {
    return new GenericServices.Channel(invoker);
  }

  /**
   * Serves a generic service ({@code Foo.newReflectiveService(impl)}, or a {@code Foo} subclass) on
   * {@code peer}: its unary rpcs under the same names as {@link #bind(Peer, ServiceDescriptor,
   * Class, Object)}. The handler thread waits for the service's callback.
   */
  public static List<String> bind(Peer peer, Service service) {
    return GenericServices.bind(peer, service);
  }

  /** Serves a generic blocking service ({@code Foo.newReflectiveBlockingService(impl)}). */
  public static List<String> bind(Peer peer, BlockingService service) {
    return GenericServices.bind(peer, service);
  }
}
