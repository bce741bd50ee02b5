package io.callosum.examples;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.RemoteUserException;
import io.callosum.examples.guide.ObservabilityGuide;
import io.callosum.micrometer.CallosumMetrics;
import io.callosum.opentelemetry.CallosumTracing;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code callosum example observability}: two peers over TCP on loopback with Callosum's Micrometer
 * meters and OpenTelemetry spans, a few calls, then what the meters and spans recorded. The set-up
 * is the user guide's (section "Metrics and tracing"); here the meters go to a {@link
 * SimpleMeterRegistry} and the spans to an in-memory exporter, where an application would use its
 * monitoring system's registry and exporter.
 */
@Command(
    name = "observability",
    header = "Metrics (Micrometer) and traces (OpenTelemetry) of two peers' calls.",
    description = {
      "Runs a server and a client over TCP on 127.0.0.1 in this JVM, both with CallosumMetrics"
          + " (a Micrometer SimpleMeterRegistry) and CallosumTracing (an OpenTelemetry SDK"
          + " exporting to memory), makes four calls (two of them inside an application span"
          + " 'checkout', one that fails), and prints every meter and every span they recorded:"
          + " each server span is the child of its client span, in the caller's trace. Checks"
          + " what it shows."
    },
    exitCodeList = {
      ExitCodes.OK + ":the meters and spans are as shown",
      ExitCodes.FAILED + ":a meter or span is not as shown (one line on stderr each)",
      ExitCodes.USAGE_HELP
    })
final class ObservabilityExampleCommand implements Callable<Integer> {
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** Calls made: echo twice (in the checkout span), add, and fail. */
  private static final int CALLS = 4;

  @Spec CommandSpec spec;

  private final List<String> failures = new ArrayList<>();

  @Override
  @SuppressWarnings("try") // the scope is held for the calls, never read
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CallosumMetrics metrics = CallosumMetrics.builder(registry).build();
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    try (OpenTelemetrySdk otel = ObservabilityGuide.sdk(exporter)) {
      CallosumTracing tracing = CallosumTracing.create(otel);
      String checkoutTrace;
      try (BoundPeer server =
          Peer.builder()
              .name("observed-server")
              .interceptor(metrics)
              .interceptor(tracing)
              .bind("tcp://127.0.0.1:0")
              .build()) {
        SampleService.registerOn(server);
        server.start();
        metrics.monitor(server);
        out.printf(
            "A server at %s and a client, both with CallosumMetrics and CallosumTracing%n",
            server.address());
        try (ConnectedPeer client =
            Peer.builder()
                .name("observed-client")
                .interceptor(metrics)
                .interceptor(tracing)
                .connect(server.address())
                .build()
                .start()) {
          Span checkout = otel.getTracer("shop").spanBuilder("checkout").startSpan();
          try (Scope scope = checkout.makeCurrent()) {
            say(out, "echo \"hello\"", Json.write(call(client, "echo", "hello")));
            say(out, "echo \"world\"", Json.write(call(client, "echo", "world")));
          } finally {
            checkout.end();
          }
          checkoutTrace = checkout.getSpanContext().getTraceId();
          say(out, "add {a: 2, b: 3}", Json.write(call(client, "add", Map.of("a", 2, "b", 3))));
          try {
            call(client, "fail", "disk full");
            failures.add("fail did not fail");
          } catch (RemoteUserException e) {
            say(out, "fail \"disk full\"", e.getClass().getSimpleName());
          }
          // The callee records a call once its reply is sent, which may be after the caller has it.
          await(() -> calls(registry, "callee", "fail", "REMOTE_USER_ERROR") == 1);
          out.println();
          out.println("Meters (registry.getMeters()):");
          printMeters(out, registry);
        }
      }
      // A client span ends as its call ends, which may be after the caller has the result.
      await(() -> exporter.getFinishedSpanItems().size() >= 2 * CALLS + 1);
      List<SpanData> spans = exporter.getFinishedSpanItems();
      out.println();
      out.println("Spans (trace, span <- parent, kind, name, status, attributes):");
      spans.stream()
          .sorted(Comparator.comparing(SpanData::getStartEpochNanos))
          .forEach(s -> out.println("  " + describe(s)));
      checkMeters(registry);
      checkSpans(spans, checkoutTrace);
    }
    out.println();
    return ExampleCommand.outcome(spec, failures, "The meters and spans are as shown.");
  }

  private static Object call(ConnectedPeer client, String method, Object argument) {
    return client.call(method).timeout(WAIT).invokeAndWait(argument);
  }

  private static void say(PrintWriter out, String call, String result) {
    out.printf("  client -> server  %-20s -> %s%n", call, result);
  }

  private static void printMeters(PrintWriter out, SimpleMeterRegistry registry) {
    registry.getMeters().stream()
        .sorted(Comparator.comparing(ObservabilityExampleCommand::idOf))
        .forEach(
            m -> {
              List<String> values = new ArrayList<>();
              for (Measurement v : m.measure()) {
                values.add(v.getStatistic().getTagValueRepresentation() + "=" + number(v));
              }
              out.printf("  %-70s %s%n", idOf(m), String.join(" ", values));
            });
  }

  /** {@code name{tag=value,...}}. */
  private static String idOf(Meter m) {
    return m.getId().getName()
        + m.getId().getTags().stream()
            .map(t -> t.getKey() + "=" + t.getValue())
            .collect(Collectors.joining(",", "{", "}"));
  }

  private static String number(Measurement v) {
    double d = v.getValue();
    return d == Math.rint(d) && Math.abs(d) < 1e15
        ? Long.toString((long) d)
        : String.format("%.6f", d);
  }

  private static String describe(SpanData s) {
    String parent = s.getParentSpanContext().isValid() ? s.getParentSpanId() : "(root)";
    return String.format(
        "%s  %s <- %-16s %-8s %-10s %-6s %s",
        s.getTraceId().substring(0, 8),
        s.getSpanId(),
        parent,
        s.getKind(),
        s.getName(),
        s.getStatus().getStatusCode(),
        s.getAttributes().asMap().entrySet().stream()
            .map(e -> e.getKey().getKey() + "=" + e.getValue())
            .sorted()
            .collect(Collectors.joining(" ")));
  }

  /** Waits until {@code done}, at most {@link #WAIT}; the checks then say what is missing. */
  private static void await(BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  private void checkMeters(SimpleMeterRegistry registry) {
    for (String side : List.of("caller", "callee")) {
      check(calls(registry, side, "echo", "OK") == 2, side + ": callosum.calls of echo counts 2");
      check(
          calls(registry, side, "fail", "REMOTE_USER_ERROR") == 1,
          side + ": callosum.calls of fail counts 1 with outcome REMOTE_USER_ERROR");
      check(
          registry.find("callosum.bytes.sent").tags("side", side).counters().stream()
                  .mapToDouble(c -> c.count())
                  .sum()
              > 0,
          side + ": callosum.bytes.sent counts bytes");
    }
    check(
        registry.find("callosum.connections").tag("lower", "tcp").gauge() != null,
        "callosum.connections{lower=tcp} gauges the monitored server");
  }

  /** The count of {@code callosum.calls} with these tags (0 while there is no such timer). */
  private static long calls(
      SimpleMeterRegistry registry, String side, String method, String outcome) {
    Search calls = registry.find("callosum.calls");
    return calls.tags("side", side, "method", method, "outcome", outcome).timers().stream()
        .mapToLong(Timer::count)
        .sum();
  }

  private void checkSpans(List<SpanData> spans, String checkoutTrace) {
    List<SpanData> clients = spans(spans, s -> s.getKind() == SpanKind.CLIENT);
    List<SpanData> servers = spans(spans, s -> s.getKind() == SpanKind.SERVER);
    check(
        clients.size() == CALLS && servers.size() == CALLS,
        "a client span and a server span per call");
    for (SpanData server : servers) {
      boolean childOfItsCall =
          clients.stream()
              .anyMatch(
                  c ->
                      c.getSpanId().equals(server.getParentSpanId())
                          && c.getTraceId().equals(server.getTraceId())
                          && c.getName().equals(server.getName()));
      check(childOfItsCall, "server span " + server.getName() + " is its client span's child");
    }
    check(
        spans(clients, c -> c.getTraceId().equals(checkoutTrace)).size() == 2,
        "the two calls inside 'checkout' are in its trace");
    check(
        spans(
                    spans,
                    s ->
                        s.getName().equals("fail")
                            && s.getStatus().getStatusCode() == StatusCode.ERROR)
                .size()
            == 2,
        "both spans of the failed call have status ERROR");
  }

  private static List<SpanData> spans(List<SpanData> spans, Predicate<SpanData> which) {
    return spans.stream().filter(which).toList();
  }

  private void check(boolean ok, String what) {
    if (!ok) {
      failures.add(what);
    }
  }
}
