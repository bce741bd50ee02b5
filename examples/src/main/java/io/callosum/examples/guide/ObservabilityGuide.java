package io.callosum.examples.guide;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.micrometer.CallosumMetrics;
import io.callosum.opentelemetry.CallosumTracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.List;

/**
 * The snippets of the user guide's section "Metrics and tracing" (docs/GUIDE.md): Micrometer meters
 * and OpenTelemetry spans of two peers over TCP. Public for the tests across processes, which set
 * up their SDKs as the guide does.
 */
public final class ObservabilityGuide {
  private ObservabilityGuide() {}

  /** A server over TCP on loopback with metrics in {@code registry}; started. */
  static BoundPeer meteredServer(MeterRegistry registry) {
    // guide:metrics
    CallosumMetrics metrics =
        CallosumMetrics.builder(registry)
            .percentileHistograms(true) // for backends that aggregate percentiles
            .maxMethods(100) // method tags beyond 100 names are "other"
            .build();
    BoundPeer server = Peer.builder().interceptor(metrics).bind("tcp://127.0.0.1:0").build();
    server.handle("echo", (ctx, body) -> body.value());
    server.start();
    metrics.monitor(server); // callosum.connections{lower=tcp}
    // end guide:metrics
    return server;
  }

  /** An SDK that exports to {@code exporter} and propagates W3C trace context. */
  public static OpenTelemetrySdk sdk(SpanExporter exporter) {
    // guide:tracing-sdk
    OpenTelemetrySdk otel =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                    .build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    // end guide:tracing-sdk
    return otel;
  }

  /**
   * A traced server and client over TCP: the trace id of the client's span, and the one the handler
   * saw as current.
   */
  @SuppressWarnings("try") // the scope is held for the call, never read
  static List<String> traced(OpenTelemetry serverOtel, OpenTelemetry clientOtel) {
    // guide:tracing
    BoundPeer server =
        Peer.builder()
            .interceptor(CallosumTracing.create(serverOtel))
            .bind("tcp://127.0.0.1:0")
            .build();
    server.handle("trace-id", (ctx, body) -> Span.current().getSpanContext().getTraceId());
    server.start();
    ConnectedPeer client =
        Peer.builder()
            .interceptor(CallosumTracing.create(clientOtel))
            .connect(server.address())
            .build()
            .start();
    Span checkout = clientOtel.getTracer("shop").spanBuilder("checkout").startSpan();
    String seen;
    try (Scope scope = checkout.makeCurrent()) {
      seen = (String) client.invokeAndWait("trace-id", null); // the call is a child of checkout
    } finally {
      checkout.end();
    }
    // end guide:tracing
    client.close();
    server.close();
    return List.of(checkout.getSpanContext().getTraceId(), seen);
  }
}
