package io.callosum.opentelemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Metadata;
import io.callosum.Peer;
import io.callosum.RemoteInternalException;
import io.callosum.RemoteUserException;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Spans of two peers over TCP on loopback, each with its own SDK and in-memory exporter, as two
 * processes would have.
 */
class CallosumTracingTest {
  @RegisterExtension final Closer closer = new Closer();

  private final InMemorySpanExporter serverSpans = InMemorySpanExporter.create();
  private final InMemorySpanExporter clientSpans = InMemorySpanExporter.create();
  private final OpenTelemetrySdk serverOtel = sdk(serverSpans);
  private final OpenTelemetrySdk clientOtel = sdk(clientSpans);

  private static OpenTelemetrySdk sdk(InMemorySpanExporter exporter) {
    return OpenTelemetrySdk.builder()
        .setTracerProvider(
            SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                .build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }

  @AfterEach
  void closeSdks() {
    serverOtel.close();
    clientOtel.close();
  }

  private BoundPeer server() {
    BoundPeer server =
        closer.later(
            Peer.builder()
                .interceptor(CallosumTracing.create(serverOtel))
                .bind("tcp://127.0.0.1:0")
                .build());
    server.handle(
        "outer",
        (ctx, body) -> {
          Span current = Span.current();
          return current.getSpanContext().getSpanId()
              + " "
              + ctx.caller().invokeAndWait("inner", null);
        });
    server.handle(
        "fail",
        (ctx, body) -> {
          throw new IllegalStateException("out of paper");
        });
    server.handle(
        "later",
        (ctx, body) ->
            CompletableFuture.supplyAsync(
                () -> "done", CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS)));
    return server.start();
  }

  private ConnectedPeer client(BoundPeer server) {
    ConnectedPeer client =
        closer.later(
            Peer.builder()
                .interceptor(CallosumTracing.create(clientOtel))
                .defaultTimeout(Await.LIMIT)
                .connect(server.address())
                .build());
    client.handle("inner", (ctx, body) -> Span.current().getSpanContext().getSpanId());
    return client.start();
  }

  private static SpanData only(InMemorySpanExporter exporter, String name, SpanKind kind) {
    List<SpanData> found =
        exporter.getFinishedSpanItems().stream()
            .filter(s -> s.getName().equals(name) && s.getKind() == kind)
            .toList();
    assertEquals(1, found.size(), name + " " + kind + " in " + exporter.getFinishedSpanItems());
    return found.get(0);
  }

  private static void awaitSpans(InMemorySpanExporter exporter, int n) {
    Await.until(
        n + " spans ended",
        () -> exporter.getFinishedSpanItems().size() >= n,
        () -> exporter.getFinishedSpanItems().toString());
  }

  @Test
  void oneTraceAcrossBothPeersAndTheCallback() throws Exception {
    BoundPeer server = server();
    ConnectedPeer client = client(server);
    Span root = clientOtel.getTracer("test").spanBuilder("root").startSpan();
    String answer;
    try (Scope unused = root.makeCurrent()) {
      answer = (String) client.invokeAndWait("outer", null);
    } finally {
      root.end();
    }
    awaitSpans(serverSpans, 2);
    awaitSpans(clientSpans, 3);
    SpanData outerClient = only(clientSpans, "outer", SpanKind.CLIENT);
    SpanData outerServer = only(serverSpans, "outer", SpanKind.SERVER);
    SpanData innerClient = only(serverSpans, "inner", SpanKind.CLIENT);
    SpanData innerServer = only(clientSpans, "inner", SpanKind.SERVER);
    String trace = root.getSpanContext().getTraceId();
    for (SpanData s : List.of(outerClient, outerServer, innerClient, innerServer)) {
      assertEquals(trace, s.getTraceId(), s.toString());
      assertEquals("callosum", s.getAttributes().get(CallosumTracing.SYSTEM));
      assertEquals(StatusCode.UNSET, s.getStatus().getStatusCode());
    }
    assertEquals(root.getSpanContext().getSpanId(), outerClient.getParentSpanId());
    assertEquals(outerClient.getSpanId(), outerServer.getParentSpanId());
    assertTrue(outerServer.getParentSpanContext().isRemote());
    assertEquals(outerServer.getSpanId(), innerClient.getParentSpanId(), "a child of the handler");
    assertEquals(innerClient.getSpanId(), innerServer.getParentSpanId());
    assertEquals(
        outerServer.getSpanId() + " " + innerServer.getSpanId(),
        answer,
        "each server span was current in its handler");
    assertEquals("outer", outerServer.getAttributes().get(CallosumTracing.METHOD));

    assertEquals("127.0.0.1", outerClient.getAttributes().get(CallosumTracing.SERVER_ADDRESS));
    assertEquals(
        URI.create(server.address()).getPort(),
        outerClient.getAttributes().get(CallosumTracing.SERVER_PORT));
    for (SpanData unknown : List.of(innerClient, outerServer, innerServer)) {
      assertNull(unknown.getAttributes().get(CallosumTracing.SERVER_ADDRESS), unknown.toString());
      assertNull(unknown.getAttributes().get(CallosumTracing.SERVER_PORT), unknown.toString());
    }
  }

  @Test
  void theServerIsTheHostAndPortOfTheAddressTheClientConnectedTo() {
    assertEquals(
        Attributes.of(CallosumTracing.SERVER_ADDRESS, "::1", CallosumTracing.SERVER_PORT, 5020L),
        CallosumTracing.server("zmq+tcp://[::1]:5020"));
    assertEquals(
        Attributes.of(CallosumTracing.SERVER_ADDRESS, "cache", CallosumTracing.SERVER_PORT, 6379L),
        CallosumTracing.server("redis://cache:6379/calc?group=g"));
    assertEquals(
        Attributes.of(CallosumTracing.SERVER_ADDRESS, "east"),
        CallosumTracing.server("tunnel://east/orders"));
    assertEquals(
        Attributes.of(CallosumTracing.SERVER_ADDRESS, "calc_1"),
        CallosumTracing.server("inproc://calc_1"));
    assertEquals(Attributes.empty(), CallosumTracing.server("not a uri"));
  }

  @Test
  void failuresSetTheStatusAndErrorType() throws Exception {
    ConnectedPeer client = client(server());
    assertThrows(RemoteUserException.class, () -> client.invokeAndWait("fail", null));
    RemoteInternalException unknown =
        assertThrows(RemoteInternalException.class, () -> client.invokeAndWait("nope", null));
    assertNotNull(unknown);
    awaitSpans(serverSpans, 2);
    awaitSpans(clientSpans, 2);

    SpanData failServer = only(serverSpans, "fail", SpanKind.SERVER);
    assertEquals(StatusCode.ERROR, failServer.getStatus().getStatusCode());
    assertEquals(
        "java.lang.IllegalStateException",
        failServer.getAttributes().get(CallosumTracing.ERROR_TYPE));
    assertEquals(1, failServer.getEvents().size(), "the exception is recorded");
    SpanData failClient = only(clientSpans, "fail", SpanKind.CLIENT);
    assertEquals(StatusCode.ERROR, failClient.getStatus().getStatusCode());
    assertEquals("REMOTE_USER_ERROR", failClient.getAttributes().get(CallosumTracing.ERROR_TYPE));

    SpanData unknownServer = only(serverSpans, CallosumTracing.OTHER_METHOD, SpanKind.SERVER);
    assertEquals("nope", unknownServer.getAttributes().get(CallosumTracing.METHOD_ORIGINAL));
    assertEquals("NO_SUCH_METHOD", unknownServer.getAttributes().get(CallosumTracing.ERROR_TYPE));
    assertEquals(
        "NO_SUCH_METHOD",
        only(clientSpans, "nope", SpanKind.CLIENT).getAttributes().get(CallosumTracing.ERROR_TYPE));
  }

  @Test
  void anAsynchronousHandlersSpanEndsWithItsStage() throws Exception {
    ConnectedPeer client = client(server());
    assertEquals("done", client.invokeAndWait("later", null));
    awaitSpans(serverSpans, 1);
    SpanData later = only(serverSpans, "later", SpanKind.SERVER);
    assertTrue(
        later.getEndEpochNanos() - later.getStartEpochNanos() >= TimeUnit.MILLISECONDS.toNanos(20),
        "the span covers the stage");
  }

  @Test
  void servicesAndMethodsAreSplitAsTypedServicesNameThem() throws Exception {
    BoundPeer server = server();
    server.handle("demo.Calc/Add", (ctx, body) -> 3);
    ConnectedPeer client = client(server);
    assertEquals(3, client.invokeAndWait("demo.Calc/Add", null));
    awaitSpans(serverSpans, 1);
    SpanData add = only(serverSpans, "demo.Calc/Add", SpanKind.SERVER);
    assertEquals("demo.Calc", add.getAttributes().get(CallosumTracing.SERVICE));
    assertEquals("Add", add.getAttributes().get(CallosumTracing.METHOD));
  }

  @Test
  void theTraceContextTravelsInTheMetadata() throws Exception {
    BoundPeer server = server();
    server.handle("headers", (ctx, body) -> ctx.metadata().get("traceparent"));
    ConnectedPeer client = client(server);
    String traceparent =
        (String) client.call("headers").metadata(Metadata.of("tenant", "acme")).invokeAndWait(null);
    assertNotNull(traceparent);
    awaitSpans(clientSpans, 1);
    SpanData sent = only(clientSpans, "headers", SpanKind.CLIENT);
    assertTrue(
        traceparent.startsWith("00-" + sent.getTraceId() + "-" + sent.getSpanId() + "-"),
        "the W3C traceparent of the client span: " + traceparent);
  }
}
