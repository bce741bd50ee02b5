package io.callosum.examples;

import com.google.errorprone.annotations.FormatMethod;
import com.google.errorprone.annotations.FormatString;
import io.callosum.AuthenticationException;
import io.callosum.CallTimeoutException;
import io.callosum.ConnectedPeer;
import io.callosum.ErrorCode;
import io.callosum.Invoker;
import io.callosum.Ordering;
import io.callosum.Peer;
import io.callosum.RemoteInternalException;
import io.callosum.RemotePeer;
import io.callosum.RemoteUserException;
import io.callosum.StreamCall;
import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.ClientAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.auth.CurvePublicKey;
import io.callosum.lower.zmq.ZmqOptions;
import io.callosum.lower.zmq.ZmqTransport;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code callosum demo}: two peers in one JVM over the in-process lower, walking through calls in
 * both directions, the three ordering policies, a timeout that cancels the remote handler, and
 * remote errors; then a CURVE-secured connection over ZeroMQ on loopback. Every step checks that
 * things happened as printed; the exit code is 0 only if all did.
 */
@Command(
    name = "demo",
    header =
        "Two peers in one JVM: calls both ways, ordering, timeout, remote errors, a stream, CURVE.",
    description = {
      "Runs two peers in this JVM, connected over the in-process lower (inproc://), and shows step"
          + " by step: calls in both directions (including a callback from inside a handler), the"
          + " three ordering policies on the same workload, a timeout that cancels the remote"
          + " handler, remote errors, and a flow-controlled stream to a slow reader with its"
          + " progress bar (on stderr). A last step connects two peers over ZeroMQ on loopback"
          + " (zmq+tcp://127.0.0.1) with CURVE: encrypted, the server letting in only the client"
          + " key it allows. Each step checks what it shows. Takes about four seconds."
    },
    exitCodeList = {
      ExitCodes.OK + ":every step behaved as shown",
      ExitCodes.FAILED + ":a step did not behave as shown (the output says which and how)",
      ExitCodes.USAGE_HELP,
      ExitCodes.UNEXPECTED_HELP
    })
final class DemoCommand implements Callable<Integer> {
  /** The bound of every wait in the demo; only a broken peer comes near it. */
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** How long each of the five ordering calls sleeps: decreasing, so finish order is reversed. */
  private static final long[] SLEEP_MS = {250, 200, 150, 100, 50};

  private static final String ORDER_KEY = "job";
  private static final Duration SHORT_TIMEOUT = Duration.ofMillis(200);

  /** The user id under which the CURVE server of step 5 lets the client in. */
  private static final String CURVE_USER = "demo-client";

  /** How much step 5 streams. */
  private static final int STREAM_MIB = 32;

  @Spec CommandSpec spec;

  private PrintWriter out;
  private String step;
  private final List<String> failures = new ArrayList<>();

  /** A block of demo code; anything it throws fails its step. */
  private interface Step {
    void run() throws Exception;
  }

  @Override
  public Integer call() {
    out = spec.commandLine().getOut();
    String address = "inproc://callosum-demo-" + UUID.randomUUID().toString().substring(0, 8);
    out.printf(
        "Callosum demo: a server and a client peer in one JVM, over %s (the in-process lower)%n",
        address);
    // The demo's server sends its handlers' stack traces (step 4 shows one); by default a peer
    // sends only the exception's name and message.
    try (Peer server =
        Peer.builder().name("demo-server").bind(address).stackTracesInReplies(true).build()) {
      SampleService.registerOn(server);
      server.start();
      try (ConnectedPeer client = Peer.builder().name("demo-client").connect(address).build()) {
        client.handle("title", (ctx, body) -> "Dr. " + body.value());
        client.handle("status", (ctx, body) -> "client is fine");
        client.start();
        step("1. Calls in both directions", () -> callsBothWays(server, client));
        step("2. Ordering of calls that share an order key", () -> ordering(address));
        step("3. A timeout cancels the remote handler", () -> timeout(server, client));
        step("4. Remote errors", () -> remoteErrors(client));
      }
    }
    step("5. A flow-controlled stream to a slow reader", () -> stream(address + "-stream"));
    step("6. An encrypted connection: CURVE over ZeroMQ on loopback", this::curve);
    out.println();
    if (failures.isEmpty()) {
      out.println("All 6 steps behaved as shown.");
      out.flush();
      return ExitCodes.OK;
    }
    out.flush();
    PrintWriter err = spec.commandLine().getErr();
    err.printf("demo FAILED: %d check(s) did not behave as shown:%n", failures.size());
    failures.forEach(f -> err.println("  " + f));
    err.flush();
    return ExitCodes.FAILED;
  }

  private void callsBothWays(Peer server, ConnectedPeer client) {
    server.handle(
        "greet",
        (ctx, body) -> {
          say(
              "  server -> client   title %s   (a callback from inside greet, via ctx.caller())",
              Json.write(body.value()));
          Object title = call(ctx.caller(), "title", body.value());
          say("  server <- client   %s", Json.write(title));
          return "Hello, " + title + "!";
        });

    Object operands = Json.parse("{\"a\": 2, \"b\": 3}");
    say("client -> server     add %s", Json.write(operands));
    Object sum = call(client, "add", operands);
    say("client <- server     %s", Json.write(sum));
    check(Map.of("result", 5).equals(sum), "the client called the server");

    say("client -> server     greet \"Ada\"");
    Object greeting = call(client, "greet", "Ada");
    say("client <- server     %s", Json.write(greeting));
    check(
        "Hello, Dr. Ada!".equals(greeting),
        "the server called the client back while serving its call");

    List<RemotePeer> remotes = server.remotes();
    check(remotes.size() == 1, "the server sees its one client in server.remotes()");
    RemotePeer remote = remotes.get(0);
    say("server -> client     status null   (on its own, via server.remotes(): %s)", remote.id());
    Object status = call(remote, "status", null);
    say("server <- client     %s", Json.write(status));
    check("client is fine".equals(status), "the server called the client on its own initiative");
  }

  private void ordering(String address) throws Exception {
    say(
        "5 calls #0..#4 sent in that order on order key \"%s\"; call #i sleeps %s ms",
        ORDER_KEY,
        Arrays.stream(SLEEP_MS).mapToObj(Long::toString).collect(Collectors.joining(", ")));
    say(
        "%-20s %-12s %-12s %-12s %-8s %s",
        "policy", "started", "finished", "replies", "at once", "took");
    List<Integer> sent = List.of(0, 1, 2, 3, 4);
    Map<Ordering, Trace> traces = new EnumMap<>(Ordering.class);
    for (Ordering policy : Ordering.values()) {
      Trace t = runOrdered(address + "-" + policy.name().toLowerCase(Locale.ROOT), policy);
      traces.put(policy, t);
      say(
          "%-20s %-12s %-12s %-12s %-8d %d ms",
          policy, spaced(t.started), spaced(t.finished), spaced(t.replies), t.peak(), t.millis);
    }
    Trace none = traces.get(Ordering.NONE);
    check(
        none.peak() > 1 && none.replies.equals(none.finished) && !none.replies.equals(sent),
        "NONE: handlers ran concurrently; each reply left as its handler finished");
    Trace returnOrdered = traces.get(Ordering.KEY_RETURN_ORDERED);
    check(
        returnOrdered.peak() > 1
            && !returnOrdered.finished.equals(sent)
            && returnOrdered.replies.equals(sent),
        "KEY_RETURN_ORDERED: handlers ran concurrently and finished out of order, yet replies came"
            + " in call order");
    Trace serialized = traces.get(Ordering.KEY_SERIALIZED);
    check(
        serialized.peak() == 1
            && serialized.started.equals(sent)
            && serialized.finished.equals(sent)
            && serialized.replies.equals(sent),
        "KEY_SERIALIZED: one handler at a time, in call order");
  }

  /** Runs the five sleeping calls against a fresh server with {@code policy}. */
  private static Trace runOrdered(String address, Ordering policy) throws Exception {
    Trace trace = new Trace();
    try (Peer server =
        Peer.builder().name("demo-" + policy).bind(address).ordering(policy).build()) {
      server.handle(
          "work",
          (ctx, body) -> {
            int i = ((Number) body.value()).intValue();
            trace.started(i);
            try {
              Thread.sleep(SLEEP_MS[i]);
            } finally {
              trace.finished(i);
            }
            return i;
          });
      server.start();
      // Completions run on the client's I/O thread, so replies are recorded in arrival order.
      try (ConnectedPeer client =
          Peer.builder().name("demo-client-" + policy).connect(address).directExecutor().build()) {
        client.start();
        long start = System.nanoTime();
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        for (int i = 0; i < SLEEP_MS.length; i++) {
          calls.add(
              client
                  .call("work")
                  .orderKey(ORDER_KEY)
                  .timeout(WAIT)
                  .invoke(i)
                  .thenAccept(r -> trace.replied(((Number) r).intValue())));
        }
        CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0]))
            .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        trace.millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      }
    }
    return trace;
  }

  private void timeout(Peer server, ConnectedPeer client) throws Exception {
    CompletableFuture<String> handlerEnd = new CompletableFuture<>();
    server.handle(
        "sleep",
        (ctx, body) -> {
          long start = System.nanoTime();
          try {
            return SampleService.sleep(ctx, body);
          } catch (InterruptedException e) {
            handlerEnd.complete(
                String.format(
                    "handler interrupted after %d ms; ctx.isCancelled() = %s",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), ctx.isCancelled()));
            throw e;
          }
        });

    say(
        "client -> server     sleep {\"s\":5} with .timeout(Duration.ofMillis(%d))",
        SHORT_TIMEOUT.toMillis());
    long start = System.nanoTime();
    try {
      Object result = client.call("sleep").timeout(SHORT_TIMEOUT).invokeAndWait(Map.of("s", 5));
      say("client <- server     %s", Json.write(result));
      check(false, "the call failed with CallTimeoutException");
    } catch (CallTimeoutException e) {
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      say("client: CallTimeoutException after %d ms: %s", millis, e.getMessage());
      check(millis < 5_000, "the call failed with CallTimeoutException at its timeout");
    }
    String seen;
    try {
      seen = handlerEnd.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      seen = "handler still running after " + WAIT.toSeconds() + " s";
    }
    say("server: %s", seen);
    check(
        seen.endsWith("ctx.isCancelled() = true"),
        "the remote handler was interrupted and saw itself cancelled");
  }

  private void remoteErrors(ConnectedPeer client) {
    say("client -> server     fail \"disk full\"   (the handler throws IllegalStateException)");
    say("                     (this server sends stack traces: stackTracesInReplies(true))");
    try {
      call(client, "fail", "disk full");
      check(false, "the call failed with RemoteUserException");
    } catch (RemoteUserException e) {
      say("client: %s (%s)", e.getClass().getSimpleName(), e.code());
      say("  remote name:    %s", e.remoteName());
      say("  message:        %s", e.getMessage());
      List<String> stack = e.remoteTraceback().lines().collect(Collectors.toList());
      say("  remote stack:   %s", stack.isEmpty() ? "(none)" : stack.get(0));
      stack.stream().skip(1).limit(3).forEach(line -> say("                  %s", line.strip()));
      if (stack.size() > 4) {
        say("                  ... %d more lines", stack.size() - 4);
      }
      check(
          e.remoteName().equals(IllegalStateException.class.getName())
              && e.getMessage().contains("disk full")
              && e.remoteTraceback().contains(SampleService.class.getName()),
          "the handler's exception reached the caller with its name, message and remote stack");
    }

    say("client -> server     no-such-method null");
    try {
      call(client, "no-such-method", null);
      check(false, "the call failed with RemoteInternalException");
    } catch (RemoteInternalException e) {
      say("client: %s (%s): %s", e.getClass().getSimpleName(), e.code(), e.getMessage());
      check(
          e.code() == ErrorCode.NO_SUCH_METHOD,
          "an unknown method is answered with a NO_SUCH_METHOD error");
    }
  }

  private void curve() {
    try (CurveKeyPair serverKeys = CurveKeyPair.generate();
        CurveKeyPair clientKeys = CurveKeyPair.generate();
        CurveKeyPair strangerKeys = CurveKeyPair.generate()) {
      say("key pairs, made in memory ('callosum keygen' writes them as certificate files):");
      say("  server    %s", serverKeys.publicKey());
      say(
          "  client    %s   (on the server's allow-list as user \"%s\")",
          clientKeys.publicKey(), CURVE_USER);
      say("  stranger  %s   (not on it)", strangerKeys.publicKey());
      AllowListAuthenticator allowList =
          new AllowListAuthenticator("demo", serverKeys).allow(clientKeys.publicKey(), CURVE_USER);
      ZmqTransport serverLower = new ZmqTransport(ZmqOptions.defaults().withCurveServer(allowList));
      try (Peer server =
          Peer.builder()
              .name("demo-curve-server")
              .transport(serverLower)
              .bind("zmq+tcp://127.0.0.1:0")
              .build()) {
        CompletableFuture<Optional<String>> seen = new CompletableFuture<>();
        server.handle(
            "whoami",
            (ctx, body) -> {
              seen.complete(ctx.identity());
              say("  server: ctx.identity() = %s", ctx.identity());
              say(
                  "  server -> client   title %s   (a callback via ctx.caller(), encrypted too)",
                  Json.write(body.value()));
              Object title = call(ctx.caller(), "title", body.value());
              say("  server <- client   %s", Json.write(title));
              return title + ", you are " + ctx.identity().orElse("nobody");
            });
        server.start();
        say(
            "server bound at %s: a CURVE server that lets in the keys on its allow-list",
            server.address());

        try (ConnectedPeer client =
            curveClient(server.address(), serverKeys.publicKey(), clientKeys)) {
          client.handle("title", (ctx, body) -> "Dr. " + body.value());
          client.start();
          say("client connected with the server's public key and its own key pair");
          say("client -> server     whoami \"Ada\"");
          Object answer = call(client, "whoami", "Ada");
          say("client <- server     %s", Json.write(answer));
          check(
              seen.getNow(Optional.empty()).equals(Optional.of(CURVE_USER)),
              "the server's handler saw the client's authenticated identity \""
                  + CURVE_USER
                  + "\"");
          check(
              ("Dr. Ada, you are " + CURVE_USER).equals(answer),
              "the server called the client back over the same encrypted connection");
        }

        say("stranger -> server   connects with a key that is not on the allow-list");
        long start = System.nanoTime();
        try (ConnectedPeer stranger =
            curveClient(server.address(), serverKeys.publicKey(), strangerKeys)) {
          stranger.start();
          check(false, "the stranger was refused with AuthenticationException");
        } catch (AuthenticationException e) {
          say(
              "stranger: %s (%s) after %d ms",
              e.getClass().getSimpleName(),
              e.code(),
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
          say("  message:        %s", e.getMessage());
          check(true, "the stranger was refused with AuthenticationException");
        }
      }
    }
  }

  /**
   * A peer that connects to {@code address} with CURVE, expecting {@code serverKey}, proving {@code
   * keys}.
   */
  private static ConnectedPeer curveClient(
      String address, CurvePublicKey serverKey, CurveKeyPair keys) {
    ZmqOptions options =
        ZmqOptions.defaults().withCurveClient(ClientAuthenticator.of(serverKey, keys));
    return Peer.builder()
        .name("demo-curve-client")
        .transport(new ZmqTransport(options))
        .connect(address)
        .connectTimeout(WAIT)
        .build();
  }

  private static String spaced(List<Integer> order) {
    synchronized (order) {
      return order.stream().map(String::valueOf).collect(Collectors.joining(" "));
    }
  }

  /** A blocking call, bounded by {@link #WAIT}. */
  private static Object call(Invoker target, String method, Object argument) {
    return target.call(method).timeout(WAIT).invokeAndWait(argument);
  }

  /**
   * Streams {@value #STREAM_MIB} MiB to a peer that reads about 32 MiB/s with a window of 16 items
   * / 1 MiB, with a progress bar on stderr, and checks that the sender never got further ahead of
   * the reader than the window (plus the item being gathered and the one being read).
   */
  private void stream(String address) throws Exception {
    int item = Transfer.ITEM;
    long window = 1 << 20;
    long total = (long) STREAM_MIB << 20;
    AtomicLong taken = new AtomicLong();
    try (Peer receiver =
        Peer.builder().name("demo-receiver").bind(address).streamWindow(16, window).build()) {
      receiver.handleStream(
          "store",
          (ctx, body, up, down) -> {
            byte[] buffer = new byte[item];
            try (InputStream in = up.inputStream()) {
              int n;
              while ((n = in.read(buffer)) != -1) {
                taken.addAndGet(n);
                Thread.sleep(2); // a slow disk: about 32 MiB/s in 64 KiB reads
              }
            }
            return taken.get();
          });
      receiver.start();
      try (ConnectedPeer sender = Peer.builder().name("demo-sender").connect(address).build()) {
        sender.start();
        say(
            "sender -> receiver   %d MiB in %d KiB items; the receiver reads ~32 MiB/s and grants a"
                + " window of 16 items / %d KiB",
            STREAM_MIB, item >> 10, window >> 10);
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        StreamCall call = sender.call("store").timeout(WAIT).clientStream(null);
        ProgressLine bar = new ProgressLine("stream", total, err);
        long ahead = 0;
        byte[] chunk = new byte[item];
        try (OutputStream up = call.upstream().outputStream(item)) {
          for (long sent = item; sent <= total; sent += item) {
            up.write(chunk); // blocks while the receiver's window is used up
            bar.accept(item);
            ahead = Math.max(ahead, sent - taken.get());
          }
        } finally {
          bar.finish();
        }
        Object stored = call.result().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        say("sender <- receiver   %s bytes stored", stored);
        say("the sender was at most %d KiB ahead of the reader", ahead >> 10);
        check(stored instanceof Number n && n.longValue() == total, "every byte arrived");
        check(
            ahead <= window + 2L * item,
            "the sender waited for the reader instead of running ahead (window + 2 items)");
      }
    }
  }

  private void step(String title, Step body) {
    step = title;
    out.println();
    out.println(title);
    try {
      body.run();
    } catch (Exception e) {
      say("FAILED: unexpected %s", e);
      failures.add(step + ": unexpected " + e);
    }
    out.flush();
  }

  @FormatMethod
  private void say(@FormatString String format, Object... args) {
    out.println("   " + String.format(format, args));
  }

  private void check(boolean ok, String expectation) {
    if (ok) {
      say("ok: %s", expectation);
    } else {
      say("FAILED: expected that %s", expectation);
      failures.add(step + ": expected that " + expectation);
    }
  }

  /** What one ordering run saw: handler start and finish order, reply order, peak concurrency. */
  private static final class Trace {
    final List<Integer> started = Collections.synchronizedList(new ArrayList<>());
    final List<Integer> finished = Collections.synchronizedList(new ArrayList<>());
    final List<Integer> replies = Collections.synchronizedList(new ArrayList<>());
    private int running;
    private int maxRunning;
    long millis;

    synchronized void started(int i) {
      started.add(i);
      maxRunning = Math.max(maxRunning, ++running);
    }

    synchronized void finished(int i) {
      finished.add(i);
      running--;
    }

    void replied(int i) {
      replies.add(i);
    }

    /** The most handlers that ran at once. */
    synchronized int peak() {
      return maxRunning;
    }
  }
}
