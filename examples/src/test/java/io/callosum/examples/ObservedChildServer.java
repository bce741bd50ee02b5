package io.callosum.examples;

import io.callosum.BoundPeer;
import io.callosum.Metadata;
import io.callosum.Peer;
import io.callosum.examples.guide.ObservabilityGuide;
import io.callosum.micrometer.CallosumMetrics;
import io.callosum.opentelemetry.CallosumTracing;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A serving process for {@link ObservabilityAcrossProcessesTest}: a peer at the address in {@code
 * args[0]} with metrics and tracing, whose handlers report what this process saw (metadata,
 * deadlines, whether a handler was stopped, the current span, its spans and meters). Prints {@code
 * READY <address>} and serves until its stdin ends.
 */
public final class ObservedChildServer {
  private ObservedChildServer() {}

  public static void main(String[] args) throws IOException {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CallosumMetrics metrics = CallosumMetrics.builder(registry).build();
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    CountDownLatch stopped = new CountDownLatch(1);
    try (OpenTelemetrySdk otel = ObservabilityGuide.sdk(spans);
        BoundPeer server =
            Peer.builder()
                .name("observed")
                .interceptor(metrics)
                .interceptor(CallosumTracing.create(otel))
                .bind(args[0])
                .build()) {
      server.handle(
          "whoami",
          (ctx, body) -> {
            ctx.setReplyMetadata(Metadata.of("served-by", "child"));
            return ctx.metadata().get("tenant");
          });
      server.handle(
          "nested",
          (ctx, body) ->
              List.of(
                  ctx.timeRemaining().orElseThrow().toMillis(),
                  ctx.caller().invokeAndWait("left", null)));
      server.handle(
          "block",
          (ctx, body) -> {
            try {
              return new CountDownLatch(1).await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              stopped.countDown();
              throw e;
            }
          });
      server.handle("stopped", (ctx, body) -> stopped.await(10, TimeUnit.SECONDS));
      server.handle(
          "trace",
          (ctx, body) -> {
            SpanContext s = Span.current().getSpanContext();
            return List.of(s.getTraceId(), s.getSpanId());
          });
      server.handle(
          "spans",
          (ctx, body) ->
              spans.getFinishedSpanItems().stream()
                  .map(s -> s.getName() + " " + s.getKind() + " " + s.getParentSpanId())
                  .toList());
      server.handle(
          "meters",
          (ctx, body) -> {
            Timer whoami =
                registry
                    .find("callosum.calls")
                    .tags("side", "callee", "method", "whoami", "outcome", "OK")
                    .timer();
            return List.of(
                whoami == null ? 0 : whoami.count(),
                registry.get("callosum.connections").tag("lower", "tcp").gauge().value());
          });
      server.start();
      metrics.monitor(server);
      System.out.println("READY " + server.address());
      System.out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      while (in.readLine() != null) {
        // serve until stdin ends
      }
    }
  }
}
