package io.callosum.examples.guide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BalancedPeer;
import io.callosum.Body;
import io.callosum.BoundPeer;
import io.callosum.CallInterceptor;
import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.ErrorCode;
import io.callosum.Handler;
import io.callosum.MessageTooLargeException;
import io.callosum.Peer;
import io.callosum.RemoteUserException;
import io.callosum.auth.CurveKeyPair;
import io.callosum.examples.guide.CallsGuide.Greeting;
import io.callosum.examples.guide.ServicesGuide.AccountsImpl;
import io.callosum.examples.guide.ServicesGuide.Balance;
import io.callosum.examples.uppers.proto.AddReply;
import io.callosum.examples.uppers.proto.DemoProto;
import io.callosum.gateway.GatewayConfig;
import io.callosum.gateway.GatewayConfigFile;
import io.callosum.lower.Capabilities;
import io.callosum.pipe.PipeDescriptor;
import io.callosum.testing.Await;
import io.callosum.upper.MsgpackServices;
import io.callosum.upper.protobuf.ProtobufServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user guide, docs/GUIDE.md, against its code: every snippet runs and does what the guide says
 * ({@link Snippets}), and every code block of the guide is, line for line, a region of the sources
 * in {@code io.callosum.examples.guide} ({@link InSync}), so the guide cannot drift from code that
 * compiles and works.
 */
@Timeout(60)
class GuideTest {
  static final Path GUIDE = Path.of("..", "docs", "GUIDE.md");
  static final Path README = Path.of("..", "README.md");
  static final List<Path> SOURCES =
      List.of(
          Path.of("src", "main", "java", "io", "callosum", "examples", "guide"),
          Path.of("src", "main", "resources", "io", "callosum", "examples", "guide"));

  /** A handler that always throws. */
  static final Handler FAILING =
      (ctx, body) -> {
        throw new IllegalStateException("no");
      };

  /** Each snippet, run, with what the guide claims of it. */
  @Nested
  class Snippets {
    @Test
    void peersAndAddresses() {
      assertEquals("hello Ann", PeersGuide.bindAndConnect());

      List<String> lowers = PeersGuide.lowers();
      assertEquals(3, lowers.size(), lowers::toString);
      assertEquals("inproc://echo -> hi", lowers.get(0));
      for (String line : lowers.subList(1, 3)) {
        assertTrue(line.matches("(tcp|zmq\\+tcp)://127\\.0\\.0\\.1:[1-9]\\d* -> hi"), line);
      }

      assertEquals(
          Set.of("ann got: maintenance at 02:00", "bob got: maintenance at 02:00"),
          Set.copyOf(PeersGuide.callClients()));
    }

    @Test
    void optionsTakeEffect() {
      try (BoundPeer server = OptionsGuide.configuredServer()) {
        server.handle("size", (ctx, body) -> body.bytes().length);
        server.start();
        assertTrue(server.capabilities().has(Capabilities.ORDERED), "KEY_SERIALIZED announced");
        try (ConnectedPeer client = Peer.builder().connect(server.address()).build().start()) {
          assertEquals(3, ((Number) client.invokeAndWait("size", "ab")).intValue());
          MessageTooLargeException tooBig =
              assertThrows(
                  MessageTooLargeException.class,
                  () -> client.invokeAndWait("size", new byte[5 << 20]));
          assertTrue(tooBig.isRemote(), "the server's 4 MiB limit refused it");
          server.handle("fail", FAILING);
          RemoteUserException failed =
              assertThrows(RemoteUserException.class, () -> client.invokeAndWait("fail", null));
          assertTrue(failed.remoteTraceback().contains("\tat "), "stack traces are sent");
        }
      }
    }

    @Test
    void aConnectTimeoutBoundsTheStart() {
      try (ConnectedPeer client = OptionsGuide.impatientClient()) {
        assertThrows(ConnectionLostException.class, client::start, "nothing is bound there");
      }
    }

    @Test
    void anInterceptorAndAListenerObserve() {
      OptionsGuide.Observed seen = OptionsGuide.newObserved();
      try (BoundPeer server = OptionsGuide.observedServer("inproc://observed", seen)) {
        server.handle("ok", (ctx, body) -> "fine");
        server.handle("fail", FAILING);
        server.start();
        try (ConnectedPeer client = Peer.builder().connect("inproc://observed").build().start()) {
          assertEquals("fine", client.invokeAndWait("ok", null));
          assertThrows(RuntimeException.class, () -> client.invokeAndWait("fail", null));
          // The counter is in the map a moment before it counts (computeIfAbsent, then increment).
          Await.until(
              "the failure is counted",
              () -> seen.failures().containsKey("fail") && seen.failures().get("fail").sum() > 0);
          assertEquals(1, seen.failures().get("fail").intValue());
          assertFalse(seen.failures().containsKey("ok"));
          Await.until("the client is counted", () -> seen.clients().get() == 1);
        }
        Await.until("the client's departure is counted", () -> seen.clients().get() == 0);
      }
    }

    @Test
    void callsAndCallbacks() throws Exception {
      try (BoundPeer server = CallsGuide.server("inproc://calls");
          ConnectedPeer client = Peer.builder().connect("inproc://calls").build().start()) {
        List<Object> results = CallsGuide.calls(client);
        assertInstanceOf(Integer.class, results.get(0), "a small integer decodes as Integer");
        assertEquals(42, results.get(0));
        assertEquals(42L, results.get(1));
        assertEquals(new Greeting("hello Ann", List.of("friendly")), results.get(2));
        assertEquals(new Greeting("hello Bob", List.of("friendly")), results.get(3));

        assertEquals(150L, CallsGuide.callOptions(client));
        assertTrue(CallsGuide.cancel(client, server), "the handler's onCancel action ran");
      }
      assertEquals(List.of("paid", "refused"), CallsGuide.callbacks());
    }

    @Test
    void metadataAndDeadlines() throws Exception {
      try (BoundPeer server = MetadataGuide.server("inproc://metadata");
          ConnectedPeer client = Peer.builder().connect("inproc://metadata").build().start()) {
        assertEquals(List.of("acme: 100", "eu-1"), MetadataGuide.call(client));
        List<Long> left = MetadataGuide.deadlines(server, client);
        assertTrue(left.get(0) > 0 && left.get(0) <= 2000, "the handler's time: " + left);
        assertTrue(
            left.get(1) > 0 && left.get(1) <= left.get(0) + 1, // sent rounded up to the ms
            "the callback inherited it: " + left);
      }
      CallInterceptor signer = MetadataGuide.signer("s3cret");
      try (BoundPeer server =
              Peer.builder().interceptor(signer).bind("inproc://signed").build().start();
          ConnectedPeer signed =
              Peer.builder().interceptor(signer).connect("inproc://signed").build().start();
          ConnectedPeer unsigned = Peer.builder().connect("inproc://signed").build().start()) {
        server.handle("hello", (ctx, body) -> "hello");
        assertEquals("hello", signed.invokeAndWait("hello", null));
        RemoteUserException refused =
            assertThrows(RemoteUserException.class, () -> unsigned.invokeAndWait("hello", null));
        assertEquals("java.lang.SecurityException", refused.remoteName());
        assertThrows(
            RemoteUserException.class,
            () -> unsigned.invokeAndWait("nope", null),
            "unknown methods pass the interceptor too");
      }
    }

    @Test
    void metricsAndTracing() throws Exception {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      try (BoundPeer server = ObservabilityGuide.meteredServer(registry);
          ConnectedPeer client = Peer.builder().connect(server.address()).build().start()) {
        assertEquals("hi", client.invokeAndWait("echo", "hi"));
        Await.until(
            "the call is timed",
            () ->
                registry.find("callosum.calls").tags("method", "echo", "outcome", "OK").timer()
                    != null);
        assertEquals(1, registry.get("callosum.connections").tag("lower", "tcp").gauge().value());
      }

      InMemorySpanExporter serverSpans = InMemorySpanExporter.create();
      InMemorySpanExporter clientSpans = InMemorySpanExporter.create();
      try (OpenTelemetrySdk serverOtel = ObservabilityGuide.sdk(serverSpans);
          OpenTelemetrySdk clientOtel = ObservabilityGuide.sdk(clientSpans)) {
        List<String> traces = ObservabilityGuide.traced(serverOtel, clientOtel);
        assertEquals(traces.get(0), traces.get(1), "the handler ran in the caller's trace");
        Await.until("the server span ended", () -> serverSpans.getFinishedSpanItems().size() == 1);
        assertEquals(SpanKind.SERVER, serverSpans.getFinishedSpanItems().get(0).getKind());
        assertEquals(traces.get(0), serverSpans.getFinishedSpanItems().get(0).getTraceId());
        assertEquals(
            Set.of("checkout", "trace-id"),
            clientSpans.getFinishedSpanItems().stream()
                .map(SpanData::getName)
                .collect(Collectors.toSet()));
      }
    }

    @Test
    void ordering() throws Exception {
      assertEquals(List.of("open", "deposit", "close"), OrderingGuide.keySerialized());
      assertEquals(List.of("slow", "fast"), OrderingGuide.returnOrdered());
      assertEquals(100, OrderingGuide.callChain());
    }

    @Test
    void errors() throws Exception {
      try (BoundPeer server = Peer.builder().bind("inproc://errors").build().start();
          ConnectedPeer client = Peer.builder().connect("inproc://errors").build().start()) {
        assertEquals(
            List.of(
                "java.lang.ArithmeticException",
                "java.lang.ArithmeticException: / by zero",
                ErrorCode.REMOTE_USER_ERROR),
            ErrorsGuide.remoteFailure(client, server));

        CountDownLatch running = new CountDownLatch(1);
        server.handle(
            "wait",
            (ctx, body) -> {
              running.countDown();
              return new CountDownLatch(1).await(10, TimeUnit.SECONDS);
            });
        assertEquals(
            "the handler threw java.lang.ArithmeticException",
            ErrorsGuide.describe(client.invoke("divide", List.of(1, 0))));
        assertEquals("ok: 2", ErrorsGuide.describe(client.invoke("divide", List.of(4, 2))));
        assertEquals("no such method", ErrorsGuide.describe(client.invoke("nope", null)));
        assertEquals(
            "timed out",
            ErrorsGuide.describe(client.call("wait").timeout(Duration.ofMillis(20)).invoke(null)));
        MessageTooLargeException local =
            assertThrows(
                MessageTooLargeException.class,
                () -> client.invokeAndWait("divide", new byte[17 << 20]));
        assertEquals(
            "MESSAGE_TOO_LARGE: " + local.getMessage(),
            ErrorsGuide.describe(client.invoke("divide", new byte[17 << 20])));

        CompletableFuture<Object> lost = client.invoke("wait", null);
        assertTrue(running.await(10, TimeUnit.SECONDS));
        server.close();
        assertEquals("connection lost", ErrorsGuide.describe(lost));
      }
      String full = ErrorsGuide.traceback(true);
      assertTrue(full.startsWith("java.lang.IllegalStateException: out of paper"), full);
      assertTrue(full.contains("\tat "), full);
      assertEquals(
          "java.lang.IllegalStateException: out of paper", ErrorsGuide.traceback(false).strip());
    }

    @Test
    void streams() throws Exception {
      try (BoundPeer server = Peer.builder().bind("inproc://streams").build();
          ConnectedPeer client = Peer.builder().connect("inproc://streams").build()) {
        StreamsGuide.handlers(server);
        server.start();
        client.start();
        assertEquals(List.of(3, 2, 1, "liftoff"), StreamsGuide.serverStream(client));
        assertEquals(5050L, ((Number) StreamsGuide.clientStream(client)).longValue());
        assertEquals(List.of("HELLO", "AGAIN"), StreamsGuide.bidiStream(client));
        assertEquals(5050L, ((Number) StreamsGuide.subscriber(client)).longValue());
        assertEquals(
            List.of(5, 4, 3, 2, 1),
            StreamsGuide.publisher(client).stream().map(Body::value).toList());
      }
      assertEquals(List.of(4, 4), StreamsGuide.credit());
    }

    @Test
    void fanOutAndPipes() throws Exception {
      assertEquals(List.of("eur.usd 1.0841", "eur.chf 0.9402"), FanoutGuide.broadcast());

      Map<Object, String> doneBy = new ConcurrentHashMap<>();
      assertEquals(10, FanoutGuide.pipeline(doneBy));
      assertEquals(
          Stream.iterate(0, i -> i + 1).limit(10).map(i -> "job-" + i).collect(Collectors.toSet()),
          doneBy.keySet());
      assertEquals(Set.of("w1", "w2"), Set.copyOf(doneBy.values()), "both workers got jobs");

      assertEquals("line 1\nline 2\n", FanoutGuide.namedPipe());
      assertEquals(
          "inproc://host#pipe=logs;write",
          new PipeDescriptor("inproc://host", "logs", PipeDescriptor.Mode.WRITE).toString());
    }

    @Test
    void typedServices() throws Exception {
      Balance hundred = new Balance("acct-1", 100);
      assertEquals(
          List.of(hundred, List.of(new Balance("acct-1", 70), hundred), "open", hundred),
          ServicesGuide.msgpack());
      assertEquals(42L, ServicesGuide.protobuf());
      assertEquals(List.of(42L, 3L, "hi", "out of paper"), ServicesGuide.thrift());

      try (BoundPeer server = Peer.builder().bind("inproc://names").build()) {
        assertTrue(
            MsgpackServices.bind(server, ServicesGuide.Accounts.class, new AccountsImpl())
                .contains("get_status"));
        assertEquals(
            List.of("callosum.demo.Demo/Add"),
            ProtobufServices.bind(
                server,
                DemoProto.getDescriptor().getServices().get(0),
                ServicesGuide.AddService.class,
                request -> AddReply.getDefaultInstance()));
      }
    }

    @Test
    void encryption(@TempDir Path dir) throws Exception {
      assertEquals("alice", EncryptionGuide.overTcp());
      assertEquals("alice", EncryptionGuide.overZmq());

      Path keys = Files.createDirectory(dir.resolve("keys"));
      Path allowed = Files.createDirectory(dir.resolve("allowed"));
      assertEquals("alice", EncryptionGuide.fromFiles(keys, allowed));

      assertEquals(ErrorCode.AUTHENTICATION_FAILED, EncryptionGuide.refused().code());
    }

    @Test
    void clientsOverManyEndpoints() throws Exception {
      List<BoundPeer> replicas = new ArrayList<>();
      List<String> served = new java.util.concurrent.CopyOnWriteArrayList<>();
      try {
        for (String name : List.of("one", "two", "three")) {
          BoundPeer r = Peer.builder().bind("tcp://127.0.0.1:0").build();
          r.handle("place", (ctx, body) -> served.add(name + " " + body.value()) ? name : "?");
          replicas.add(r.start());
        }
        List<String> addresses = replicas.stream().map(Peer::address).toList();
        Object keyed = BalancingGuide.placeOrders(addresses);
        assertEquals(2, served.size(), served.toString());
        assertTrue(served.contains(keyed + " pen"), served.toString());
        assertEquals(
            keyed, BalancingGuide.placeOrders(addresses), "the key goes to the same replica");

        int port = java.net.URI.create(addresses.get(0)).getPort();
        try (BalancedPeer client =
            BalancingGuide.headless(
                host -> {
                  assertEquals("orders.default.svc.cluster.local", host);
                  return List.of("127.0.0.1");
                },
                port)) {
          assertEquals("one", client.invokeAndWait("place", "cup"));
        }
      } finally {
        replicas.forEach(Peer::close);
      }
    }

    @Test
    void shutdown() throws Exception {
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      try (BoundPeer server = Peer.builder().bind("inproc://guide-shutdown").build();
          BoundPeer other = Peer.builder().bind("inproc://guide-shutdown-other").build()) {
        server.handle(
            "work",
            (ctx, body) -> {
              entered.countDown();
              assertTrue(release.await(30, TimeUnit.SECONDS));
              return "worked";
            });
        server.handle("echo", (ctx, body) -> body.value());
        server.start();
        other.handle("echo", (ctx, body) -> "other: " + body.value());
        other.start();
        try (ConnectedPeer client = Peer.builder().connect("inproc://guide-shutdown").build();
            ConnectedPeer otherClient =
                Peer.builder().connect("inproc://guide-shutdown-other").build()) {
          client.start();
          otherClient.start();
          CompletableFuture<Object> work = client.invoke("work", null);
          assertTrue(entered.await(30, TimeUnit.SECONDS));
          CompletableFuture<Boolean> stopped = new CompletableFuture<>();
          Thread stopping =
              new Thread(
                  () -> {
                    try {
                      stopped.complete(ShutdownGuide.stop(server, Duration.ofSeconds(30)));
                    } catch (InterruptedException | RuntimeException e) {
                      stopped.completeExceptionally(e);
                    }
                  });
          stopping.start();
          Await.until("the server shuts down", server::isShutdown);
          assertEquals(
              "other: hi", ShutdownGuide.callAny(List.of(client, otherClient), "echo", "hi"));
          release.countDown();
          assertEquals("worked", work.get(30, TimeUnit.SECONDS), "the call in flight finished");
          assertTrue(stopped.get(30, TimeUnit.SECONDS), "within the grace period");
          assertTrue(server.isTerminated());
          stopping.join();
        }
      }
      CountDownLatch stuck = new CountDownLatch(1);
      try (BoundPeer server = Peer.builder().bind("inproc://guide-shutdown-now").build();
          ConnectedPeer client = Peer.builder().connect("inproc://guide-shutdown-now").build()) {
        server.handle(
            "stuck",
            (ctx, body) -> {
              stuck.countDown();
              return new CountDownLatch(1).await(30, TimeUnit.SECONDS);
            });
        server.start();
        client.start();
        CompletableFuture<Object> call = client.invoke("stuck", null);
        assertTrue(stuck.await(30, TimeUnit.SECONDS));
        assertFalse(ShutdownGuide.stop(server, Duration.ofMillis(50)), "past the grace period");
        assertInstanceOf(ConnectionLostException.class, Await.failure(call));
      }
    }

    @Test
    void gateways(@TempDir Path dir) throws Exception {
      GatewaysGuide.prepare(dir);
      GatewayConfig hq = GatewayConfigFile.read(dir.resolve("gateway-hq.yaml"));
      assertEquals("hq", hq.cluster());
      CurveKeyPair edgeKeys = CurveKeyPair.fromSecretKeyZ85(GatewaysGuide.EDGE_DEMO_SECRET);
      assertEquals(Map.of(edgeKeys.publicKey(), "edge"), hq.allowedGateways());
      assertTrue(hq.grants().get("edge").allows("report-daily"));
      assertFalse(hq.grants().get("edge").allows("worker"));

      assertEquals("job-1 done for hq", GatewaysGuide.federation(dir));
    }

    @Test
    void tuning() {
      String ioThread = (String) TuningGuide.directExecutor();
      assertTrue(ioThread.startsWith("callosum-tcp-io-"), ioThread);
      assertEquals("orders-handler-1", TuningGuide.handlerPool());

      List<Long> sent = TuningGuide.compression();
      assertTrue(sent.get(0) > 1 << 20, "plain: " + sent);
      assertTrue(sent.get(1) < 100_000, "compressed: " + sent);
    }
  }

  /** The guide's code blocks and the regions of the sources, compared. */
  @Nested
  class InSync {
    @Test
    void everyTaggedBlockIsItsRegion() throws IOException {
      Map<String, List<String>> regions = regions();
      List<String> problems = new ArrayList<>();
      for (Map.Entry<String, Block> e : blocks().entrySet()) {
        List<String> region = regions.get(e.getKey());
        if (region == null) {
          problems.add(e.getKey() + ": in the guide, but no region of the sources has that name");
          continue;
        }
        String difference = difference(normalize(region), normalize(e.getValue().lines()));
        if (difference != null) {
          problems.add(e.getKey() + ": " + difference);
        }
      }
      assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void everyRegionIsInTheGuide() throws IOException {
      Set<String> unused = new TreeSet<>(regions().keySet());
      unused.removeAll(blocks().keySet());
      assertTrue(unused.isEmpty(), "regions the guide does not show: " + unused);
    }

    @Test
    void everyCodeBlockIsTaggedWithItsLanguage() throws IOException {
      blocks(); // throws for an untagged block or a tag without a block
      for (Map.Entry<String, Block> e : blocks().entrySet()) {
        String expected = regionFiles().get(e.getKey()).endsWith(".java") ? "java" : "yaml";
        assertEquals(expected, e.getValue().language(), e.getKey());
      }
    }

    @Test
    void theReadmeLinksTheGuide() throws IOException {
      assertTrue(Files.readString(README).contains("(docs/GUIDE.md)"));
    }
  }

  /** A fenced code block of the guide. */
  record Block(String language, List<String> lines) {}

  private static final Pattern TAG = Pattern.compile("<!-- guide:([\\w-]+) -->");
  private static final Pattern FENCE = Pattern.compile("```(\\w*)\\s*");
  private static final Pattern START = Pattern.compile("\\s*(?://|#) guide:([\\w-]+)\\s*");
  private static final Pattern END = Pattern.compile("\\s*(?://|#) end guide:([\\w-]+)\\s*");

  /** The tagged blocks of the guide by name; fails for an untagged block or a dangling tag. */
  static Map<String, Block> blocks() throws IOException {
    List<String> lines = Files.readAllLines(GUIDE);
    Map<String, Block> blocks = new LinkedHashMap<>();
    String tag = null;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      Matcher t = TAG.matcher(line.strip());
      Matcher f = FENCE.matcher(line);
      if (t.matches()) {
        assertTrue(tag == null, "GUIDE.md:" + (i + 1) + ": two tags in a row");
        tag = t.group(1);
      } else if (f.matches()) {
        assertNotNull(tag, "GUIDE.md:" + (i + 1) + ": a code block without a guide tag before it");
        List<String> body = new ArrayList<>();
        int j = i + 1;
        while (j < lines.size() && !lines.get(j).strip().equals("```")) {
          body.add(lines.get(j++));
        }
        assertTrue(j < lines.size(), "GUIDE.md:" + (i + 1) + ": the code block never ends");
        assertFalse(
            blocks.containsKey(tag), "GUIDE.md:" + (i + 1) + ": " + tag + " is shown twice");
        blocks.put(tag, new Block(f.group(1), body));
        tag = null;
        i = j;
      } else if (tag != null && !line.isBlank()) {
        throw new AssertionError("GUIDE.md:" + (i + 1) + ": tag " + tag + " has no code block");
      }
    }
    assertTrue(tag == null, "the guide ends with a tag and no code block: " + tag);
    return blocks;
  }

  /** The regions of the sources by name, with the file each is in. */
  static Map<String, List<String>> regions() throws IOException {
    Map<String, List<String>> regions = new LinkedHashMap<>();
    for (Path file : sourceFiles()) {
      regions.putAll(regionsOf(file));
    }
    return regions;
  }

  static Map<String, String> regionFiles() throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    for (Path file : sourceFiles()) {
      for (String name : regionsOf(file).keySet()) {
        files.put(name, file.getFileName().toString());
      }
    }
    return files;
  }

  private static List<Path> sourceFiles() throws IOException {
    List<Path> files = new ArrayList<>();
    for (Path dir : SOURCES) {
      try (Stream<Path> s = Files.list(dir)) {
        s.filter(Files::isRegularFile).sorted().forEach(files::add);
      }
    }
    assertFalse(files.isEmpty(), "no guide sources in " + SOURCES);
    return files;
  }

  /** The regions of one file: the lines between its start and end markers, markers left out. */
  static Map<String, List<String>> regionsOf(Path file) throws IOException {
    Map<String, List<String>> done = new LinkedHashMap<>();
    Map<String, List<String>> open = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(file);
    for (int i = 0; i < lines.size(); i++) {
      String where = file.getFileName() + ":" + (i + 1) + ": ";
      Matcher start = START.matcher(lines.get(i));
      Matcher end = END.matcher(lines.get(i));
      if (start.matches()) {
        String name = start.group(1);
        assertFalse(
            open.containsKey(name) || done.containsKey(name), where + name + " starts twice");
        open.put(name, new ArrayList<>());
      } else if (end.matches()) {
        List<String> region = open.remove(end.group(1));
        assertNotNull(region, where + "the end of " + end.group(1) + ", which has not started");
        done.put(end.group(1), region);
      } else {
        for (List<String> region : open.values()) {
          region.add(lines.get(i));
        }
      }
    }
    assertTrue(open.isEmpty(), file.getFileName() + ": regions never ended: " + open.keySet());
    return done;
  }

  /** The lines without their common indentation, trailing blanks, and blank lines at either end. */
  static List<String> normalize(List<String> lines) {
    int indent = Integer.MAX_VALUE;
    for (String line : lines) {
      if (!line.isBlank()) {
        indent = Math.min(indent, line.length() - line.stripLeading().length());
      }
    }
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      out.add(line.isBlank() ? "" : line.substring(indent).stripTrailing());
    }
    while (!out.isEmpty() && out.get(0).isEmpty()) {
      out.remove(0);
    }
    while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
      out.remove(out.size() - 1);
    }
    return out;
  }

  /** Where {@code guide} first differs from {@code source}, or null if they are equal. */
  static String difference(List<String> source, List<String> guide) {
    for (int i = 0; i < Math.max(source.size(), guide.size()); i++) {
      String s = i < source.size() ? source.get(i) : "<end>";
      String g = i < guide.size() ? guide.get(i) : "<end>";
      if (!s.equals(g)) {
        return "line " + (i + 1) + " differs:\n  source: " + s + "\n  guide:  " + g;
      }
    }
    return null;
  }

  @Test
  void theComparisonSeesAChangedLine() {
    List<String> a = normalize(List.of("    int x = 1;", "    return x;"));
    assertEquals(List.of("int x = 1;", "return x;"), a);
    assertEquals(null, difference(a, normalize(List.of("int x = 1;", "return x;", ""))));
    assertNotEquals(null, difference(a, List.of("int x = 2;", "return x;")));
    assertNotEquals(null, difference(a, List.of("int x = 1;")));
  }
}
