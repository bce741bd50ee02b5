package io.callosum.opentelemetry;

import io.callosum.Body;
import io.callosum.CallContext;
import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.CallosumException;
import io.callosum.ErrorCode;
import io.callosum.Handler;
import io.callosum.Metadata;
import io.callosum.RemotePeer;
import io.callosum.opentelemetry.internal.MetadataCarrier;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * Traces Callosum calls with OpenTelemetry: a {@link SpanKind#CLIENT} span for each call a peer
 * makes and a {@link SpanKind#SERVER} span for each call it serves, after OpenTelemetry's semantic
 * conventions for RPC spans, with the trace context carried in the call's metadata by the {@code
 * OpenTelemetry} instance's propagators (W3C {@code traceparent}, {@code tracestate}). Register it
 * as an interceptor of every peer to trace: {@code
 * Peer.builder().interceptor(CallosumTracing.create(openTelemetry))}.
 *
 * <ul>
 *   <li>The client span starts on the thread that makes the call, as a child of that thread's
 *       current context (so a call made inside a handler is a child of the handler's server span),
 *       and ends when the call ends.
 *   <li>The server span continues the caller's trace and is current on the handler's thread while
 *       the handler runs ({@code Span.current()}); it ends when the handler returns, or when the
 *       stage it returned completes. A call of a method without a handler is named {@value
 *       #OTHER_METHOD}, with the name it came with in {@code rpc.method_original}.
 *   <li>Attributes: {@code rpc.system} ({@value #RPC_SYSTEM}), {@code rpc.service} and {@code
 *       rpc.method} (a method named {@code pkg.Service/Method}, as typed Protobuf services name
 *       theirs, is split at the last {@code /}; any other name is the method alone), and on failure
 *       {@code error.type} (the {@link ErrorCode} name, or the handler's exception class) with
 *       {@code rpc.callosum.error_code}; the span's status is then {@link StatusCode#ERROR}.
 *   <li>Client spans also name where the remote was reached ({@link RemotePeer#address()}): {@code
 *       server.address} is the host of that address ({@code 10.0.0.7} for {@code
 *       tcp://10.0.0.7:5020}, {@code cache} for {@code redis://cache:6379/calc}, the gateway
 *       cluster for {@code tunnel://CLUSTER/NAME}, the name for {@code inproc://NAME}) and {@code
 *       server.port} its port, if it has one. A bound peer's calls to its clients have neither: it
 *       does not know their addresses.
 *   <li>The trace context reaches only remotes that announce metadata: a call to a Python Callosum
 *       peer gets a client span and nothing more.
 * </ul>
 *
 * <p>Thread-safe; one instance may serve many peers.
 */
public final class CallosumTracing implements CallInterceptor {
  /** The instrumentation scope name of the spans. */
  public static final String INSTRUMENTATION_NAME = "io.callosum";

  /** The value of {@code rpc.system}. */
  public static final String RPC_SYSTEM = "callosum";

  /** The {@code rpc.method} and span name of a served call of a method that has no handler. */
  public static final String OTHER_METHOD = "_OTHER";

  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("rpc.system");
  static final AttributeKey<String> SERVICE = AttributeKey.stringKey("rpc.service");
  static final AttributeKey<String> METHOD = AttributeKey.stringKey("rpc.method");
  static final AttributeKey<String> METHOD_ORIGINAL = AttributeKey.stringKey("rpc.method_original");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<String> ERROR_CODE = AttributeKey.stringKey("rpc.callosum.error_code");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");

  private final Tracer tracer;
  private final TextMapPropagator propagator;

  private CallosumTracing(Tracer tracer, TextMapPropagator propagator) {
    this.tracer = tracer;
    this.propagator = propagator;
  }

  /** Traces with {@code openTelemetry}'s tracer provider and text-map propagator. */
  public static CallosumTracing create(OpenTelemetry openTelemetry) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    return new CallosumTracing(
        openTelemetry.getTracer(INSTRUMENTATION_NAME),
        openTelemetry.getPropagators().getTextMapPropagator());
  }

  /** Starts the client span and puts its context into the call's metadata. */
  @Override
  public Listener sending(CallInfo call, Metadata.Builder metadata) {
    Context parent = Context.current();
    SpanBuilder b = start(call.method(), SpanKind.CLIENT, parent);
    call.remote().address().ifPresent(address -> b.setAllAttributes(server(address)));
    Span span = b.startSpan();
    propagator.inject(parent.with(span), metadata, MetadataCarrier.SETTER);
    return outcome -> {
      if (!outcome.isSuccess()) {
        failed(span, outcome.error(), outcome.failure());
      }
      span.end();
    };
  }

  /** Runs the handler inside a server span that continues the caller's trace. */
  @Override
  @SuppressWarnings("try") // the scope is held for the handler's run, never read
  public Object intercept(CallContext call, Body body, Handler next) throws Exception {
    Context parent = propagator.extract(Context.current(), call.metadata(), MetadataCarrier.GETTER);
    Span span = start(call.method(), SpanKind.SERVER, parent).startSpan();
    Object result;
    try (Scope unused = parent.with(span).makeCurrent()) {
      result = next.handle(call, body);
    } catch (Throwable t) {
      handlerFailed(span, call.method(), t);
      span.end();
      throw t;
    }
    if (result instanceof CompletionStage<?> stage) {
      // The span ends with the stage; the caller sees the stage's outcome through the core.
      var unused =
          stage.whenComplete(
              (value, failure) -> {
                if (failure != null) {
                  handlerFailed(span, call.method(), failure);
                }
                span.end();
              });
    } else {
      span.end();
    }
    return result;
  }

  private SpanBuilder start(String method, SpanKind kind, Context parent) {
    int slash = method.lastIndexOf('/');
    var b =
        tracer
            .spanBuilder(method)
            .setSpanKind(kind)
            .setParent(parent)
            .setAttribute(SYSTEM, RPC_SYSTEM);
    if (slash > 0 && slash < method.length() - 1) {
      b.setAttribute(SERVICE, method.substring(0, slash))
          .setAttribute(METHOD, method.substring(slash + 1));
    } else {
      b.setAttribute(METHOD, method);
    }
    return b;
  }

  /** {@code server.address} and {@code server.port} of a remote at {@code address}. */
  static Attributes server(String address) {
    URI uri;
    try {
      uri = new URI(address);
    } catch (URISyntaxException e) {
      return Attributes.empty(); // the core's remotes say URIs; another RemotePeer might not
    }
    AttributesBuilder a = Attributes.builder();
    String host = uri.getHost();
    if (host == null) {
      host = uri.getAuthority(); // a name that is no host name, as inproc:// takes
    } else if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1); // the conventions want an IPv6 address bare
    }
    if (host != null) {
      a.put(SERVER_ADDRESS, host);
    }
    if (uri.getPort() >= 0) {
      a.put(SERVER_PORT, (long) uri.getPort());
    }
    return a.build();
  }

  private static void handlerFailed(Span span, String method, Throwable failure) {
    while ((failure instanceof CompletionException || failure instanceof ExecutionException)
        && failure.getCause() != null) {
      failure = failure.getCause();
    }
    ErrorCode code = failure instanceof CallosumException e ? e.code() : null;
    if (code == ErrorCode.NO_SUCH_METHOD) {
      span.updateName(OTHER_METHOD);
      span.setAttribute(METHOD, OTHER_METHOD);
      span.setAttribute(METHOD_ORIGINAL, method);
      span.setAttribute(ERROR_TYPE, code.name());
      span.setAttribute(ERROR_CODE, code.name());
      span.setStatus(StatusCode.ERROR, failure.getMessage());
      return;
    }
    failed(span, code != null ? code : ErrorCode.REMOTE_USER_ERROR, failure);
    if (code == null) {
      span.setAttribute(ERROR_TYPE, failure.getClass().getName());
    }
  }

  private static void failed(Span span, ErrorCode code, Throwable failure) {
    span.setAttribute(ERROR_TYPE, code.name());
    span.setAttribute(ERROR_CODE, code.name());
    if (failure != null) {
      span.recordException(failure);
      span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
    } else {
      span.setStatus(StatusCode.ERROR, code.name());
    }
  }

  @Override
  public String toString() {
    return "CallosumTracing";
  }
}
