package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.CallTimeoutException;
import io.callosum.ConnectedPeer;
import io.callosum.Metadata;
import io.callosum.Peer;
import io.callosum.Reply;
import io.callosum.examples.guide.ObservabilityGuide;
import io.callosum.opentelemetry.CallosumTracing;
import io.callosum.testing.Await;
import io.callosum.testing.ManualTimer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Metadata, deadlines, metrics and tracing with the serving peer in another JVM ({@link
 * ObservedChildServer}), over TCP on loopback: what crosses the process boundary is only what the
 * wire carries.
 */
class ObservabilityAcrossProcessesTest {
  @Test
  @SuppressWarnings("try") // the span's scope is held for the call, never read
  void metadataDeadlinesMetricsAndOneTraceAcrossProcesses() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (ChildJvm child = ChildJvm.start(ObservedChildServer.class, "tcp://127.0.0.1:0");
        OpenTelemetrySdk otel = ObservabilityGuide.sdk(spans)) {
      // The client's own clock never moves: a call ends only when the child stops it.
      try (ConnectedPeer client =
          Peer.builder()
              .interceptor(CallosumTracing.create(otel))
              .timer(new ManualTimer())
              .connect(child.address())
              .build()) {
        client.handle("left", (ctx, body) -> ctx.timeRemaining().orElseThrow().toMillis());
        client.start();

        Reply<String> whoami =
            client
                .call("whoami")
                .metadata(Metadata.of("tenant", "acme"))
                .invokeForReply(null, String.class)
                .get(30, TimeUnit.SECONDS);
        assertEquals("acme", whoami.value());
        assertEquals("child", whoami.metadata().get("served-by"));

        List<?> left =
            (List<?>)
                client
                    .call("nested")
                    .timeout(Duration.ofSeconds(20))
                    .invoke(null)
                    .get(30, TimeUnit.SECONDS);
        long childLeft = ((Number) left.get(0)).longValue();
        long callbackLeft = ((Number) left.get(1)).longValue();
        assertTrue(childLeft > 0 && childLeft <= 20_000, "the child's deadline: " + childLeft);
        assertTrue(
            callbackLeft > 0 && callbackLeft <= childLeft + 1, // sent rounded up to the ms
            "the callback inherited it: " + callbackLeft + " of " + childLeft);

        Throwable stopped =
            Await.failure(client.call("block").timeout(Duration.ofMillis(300)).invoke(null));
        // Both sides keep the deadline: whichever sees it first ends the call, with one message.
        assertInstanceOf(CallTimeoutException.class, stopped);
        assertEquals(
            true,
            client.call("stopped").invoke(null).get(30, TimeUnit.SECONDS),
            "the child stopped its handler (at its deadline, or at the CANCEL of a caller that saw"
                + " it first)");

        Span checkout = otel.getTracer("test").spanBuilder("checkout").startSpan();
        List<?> seen;
        try (Scope unused = checkout.makeCurrent()) {
          seen = (List<?>) client.call("trace").invoke(null).get(30, TimeUnit.SECONDS);
        } finally {
          checkout.end();
        }
        assertEquals(checkout.getSpanContext().getTraceId(), seen.get(0), "one trace");
        SpanData clientSpan =
            spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("trace") && s.getKind() == SpanKind.CLIENT)
                .findFirst()
                .orElseThrow();
        List<?> childSpans = (List<?>) client.call("spans").invoke(null).get(30, TimeUnit.SECONDS);
        assertTrue(
            childSpans.contains("trace SERVER " + clientSpan.getSpanId()),
            "the child's server span is a child of this client span: " + childSpans);

        List<?> meters = (List<?>) client.call("meters").invoke(null).get(30, TimeUnit.SECONDS);
        assertEquals(1L, ((Number) meters.get(0)).longValue(), "whoami timed once: " + meters);
        assertEquals(1.0, ((Number) meters.get(1)).doubleValue(), "one TCP connection: " + meters);
      }
    }
  }
}
