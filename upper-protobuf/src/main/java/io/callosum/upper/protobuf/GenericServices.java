package io.callosum.upper.protobuf;

import com.google.protobuf.BlockingRpcChannel;
import com.google.protobuf.BlockingService;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.RpcCallback;
import com.google.protobuf.RpcChannel;
import com.google.protobuf.RpcController;
import com.google.protobuf.Service;
import com.google.protobuf.ServiceException;
import io.callosum.Body;
import io.callosum.CallCancelledException;
import io.callosum.CallContext;
import io.callosum.CallosumException;
import io.callosum.ErrorCode;
import io.callosum.Futures;
import io.callosum.Invocation;
import io.callosum.Invoker;
import io.callosum.Payload;
import io.callosum.Peer;
import io.callosum.upper.protobuf.internal.Failures;
import io.callosum.upper.protobuf.internal.Messages;
import io.callosum.upper.protobuf.internal.Rpc;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * protoc's generic services ({@code option java_generic_services = true}) over Callosum: a channel
 * for the generated {@code Stub} / {@code BlockingStub}, and bindings for a generated {@code
 * Service} / {@code BlockingService}. Same wire as {@link ProtobufServices}' typed calls (method
 * {@code package.Service/Method}, protobuf bodies), so either side may use either API.
 * Package-private: it needs {@link ProtobufController}'s hooks.
 */
final class GenericServices {
  private static final Logger LOG = LoggerFactory.getLogger(GenericServices.class);

  private GenericServices() {}

  static final class Channel implements RpcChannel, BlockingRpcChannel {
    private final Invoker invoker;

    Channel(Invoker invoker) {
      this.invoker = Objects.requireNonNull(invoker, "invoker");
    }

    private CompletableFuture<Message> call(
        MethodDescriptor method, RpcController controller, Message request, Message prototype) {
      refuseStreams(method);
      Invocation inv = invoker.call(Rpc.wireName(method));
      ProtobufController pc =
          controller instanceof ProtobufController protobufController ? protobufController : null;
      if (pc != null && pc.orderKey() != null) {
        inv.orderKey(pc.orderKey());
      }
      if (pc != null && pc.timeout() != null) {
        inv.timeout(pc.timeout());
      }
      CompletableFuture<Payload> raw = inv.invokeRaw(Payload.wrap(request.toByteArray()));
      if (pc != null) {
        pc.started(raw);
      }
      return raw.handle(
          (p, e) -> {
            Throwable error = e;
            if (error == null) {
              try {
                return Messages.parse(prototype, p.bytes());
              } catch (RuntimeException bad) {
                error = bad; // a reply that does not parse fails the controller too
              }
            }
            CallosumException failure = callosum(Failures.translate(error));
            if (controller != null) {
              if (pc != null) {
                pc.failed(failure);
              } else {
                controller.setFailed(String.valueOf(failure.getMessage()));
              }
            }
            throw failure;
          });
    }

    @Override
    public void callMethod(
        MethodDescriptor method,
        RpcController controller,
        Message request,
        Message responsePrototype,
        RpcCallback<Message> done) {
      // A failed call reaches done as null (and the controller); done's own failure is logged.
      var unused =
          call(method, controller, request, responsePrototype)
              .whenComplete((r, e) -> runDone(method, done, e == null ? r : null));
    }

    private static void runDone(
        MethodDescriptor method, RpcCallback<Message> done, Message response) {
      try {
        done.run(response);
      } catch (RuntimeException e) {
        LOG.warn("the callback of {} failed", method.getFullName(), e);
      }
    }

    @Override
    public Message callBlockingMethod(
        MethodDescriptor method,
        RpcController controller,
        Message request,
        Message responsePrototype)
        throws ServiceException {
      try {
        return Futures.await(call(method, controller, request, responsePrototype));
      } catch (CallosumException e) {
        throw new ServiceException(e.getMessage(), e);
      }
    }
  }

  private static CallosumException callosum(Throwable t) {
    if (t instanceof CancellationException) {
      return new CallCancelledException("call cancelled", t);
    }
    return t instanceof CallosumException callosumException
        ? callosumException
        : new CallosumException(ErrorCode.REMOTE_INTERNAL_ERROR, String.valueOf(t), t);
  }

  private static void refuseStreams(MethodDescriptor m) {
    if (m.isClientStreaming() || m.isServerStreaming()) {
      throw new UnsupportedOperationException(
          m.getFullName() + " streams: generic services cannot; use ProtobufServices.client");
    }
  }

  /** Serves each rpc of {@code service}; {@code call} runs one. */
  private interface Call {
    Message run(MethodDescriptor method, ProtobufController controller, Message request)
        throws Exception;
  }

  private static List<String> bind(
      Peer peer,
      ServiceDescriptor service,
      Function<MethodDescriptor, Message> requests,
      Call call) {
    List<String> names = new ArrayList<>();
    for (MethodDescriptor m : service.getMethods()) {
      if (m.isClientStreaming() || m.isServerStreaming()) {
        continue; // generic services have no streaming signatures
      }
      Message prototype = requests.apply(m);
      String name = Rpc.wireName(m);
      peer.handle(
          name,
          (CallContext ctx, Body body) -> {
            Message request = Messages.parse(prototype, body.bytes());
            ProtobufController controller = new ProtobufController();
            ctx.onCancel(controller::cancelled);
            Message response = call.run(m, controller, request);
            if (controller.failed()) {
              throw new ServiceException(controller.errorText());
            }
            if (response == null) {
              throw new ServiceException(name + " gave no response");
            }
            return Payload.wrap(response.toByteArray());
          });
      names.add(name);
    }
    return names;
  }

  static List<String> bind(Peer peer, Service service) {
    return bind(
        peer,
        service.getDescriptorForType(),
        service::getRequestPrototype,
        (m, controller, request) -> {
          CompletableFuture<Message> done = new CompletableFuture<>();
          service.callMethod(m, controller, request, done::complete);
          try {
            return done.get(); // a service may answer from another thread; the handler thread waits
          } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
          }
        });
  }

  static List<String> bind(Peer peer, BlockingService service) {
    return bind(
        peer,
        service.getDescriptorForType(),
        service::getRequestPrototype,
        service::callBlockingMethod);
  }
}
