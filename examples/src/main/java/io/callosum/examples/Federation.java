package io.callosum.examples;

import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.gateway.Gateway;
import io.callosum.gateway.GatewayConfigFile;
import io.callosum.gateway.GatewayStatus;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code callosum example federation}: two clusters on one machine. Gateway "hq" is public; gateway
 * "edge" sits in a private network and dials out to hq (no inbound port). Two agents in edge
 * register through their gateway; a manager in hq calls each agent as {@code
 * tunnel://edge/agent-N}, and each agent reports progress by calling the manager back over the same
 * channel. The two gateway files are in {@code examples/src/main/resources/federation/}.
 */
final class Federation {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Pattern LOCAL_PORT = Pattern.compile("127\\.0\\.0\\.1:(\\d+)");
  static final String HQ = "gateway-hq.yaml";
  static final String EDGE = "gateway-edge.yaml";

  private Federation() {}

  /**
   * Runs the example; the gateway files come from {@code dir}, or from the tool's own copy when
   * null. With {@code freePorts}, every 127.0.0.1 port in the files is replaced by a free one
   * (consistently in both files), so the example runs beside anything that holds the usual ports.
   * Returns the failures (empty when every call behaved as shown).
   */
  static List<String> run(PrintWriter out, Path dir, boolean freePorts) throws Exception {
    String hqText = read(dir, HQ);
    String edgeText = read(dir, EDGE);
    if (freePorts) {
      Map<String, String> ports = new HashMap<>();
      hqText = renumber(hqText, ports);
      edgeText = renumber(edgeText, ports);
    }
    List<String> failures = new ArrayList<>();
    try (Gateway hq = Gateway.start(GatewayConfigFile.parse(hqText, dir));
        Gateway edge = Gateway.start(GatewayConfigFile.parse(edgeText, dir))) {
      out.printf(
          "gateway hq   : peers at %s, links at %s, admin at %s%n",
          hq.localAddress(), hq.linkAddress(), hq.adminAddress());
      out.printf(
          "gateway edge : peers at %s, dials hq (no inbound port), admin at %s%n",
          edge.localAddress(), edge.adminAddress());
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!(hq.linkUp("edge") && edge.linkUp("hq"))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "the link between hq and edge did not come up within " + WAIT);
        }
        TimeUnit.MILLISECONDS.sleep(5);
      }
      out.println("link hq <-> edge is up (one CurveZMQ connection, dialled by edge)");
      TcpTransport inEdge =
          new TcpTransport(TcpOptions.builder().gateway(URI.create(edge.localAddress())).build());
      TcpTransport inHq =
          new TcpTransport(TcpOptions.builder().gateway(URI.create(hq.localAddress())).build());
      List<Peer> agents = new ArrayList<>();
      List<Peer> managers = new ArrayList<>();
      try {
        for (int i = 1; i <= 2; i++) {
          agents.add(agent(inEdge, "agent-" + i));
        }
        List<CompletableFuture<Object>> jobs = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
          ConnectedPeer manager =
              Peer.builder()
                  .name("manager")
                  .transport(inHq)
                  .connect("tunnel://edge/agent-" + i)
                  .build();
          manager.handle(
              "progress",
              (ctx, body) -> {
                Map<?, ?> m = (Map<?, ?>) body.value();
                synchronized (out) {
                  out.printf("  manager <- %s: %s%%%n", m.get("agent"), m.get("percent"));
                  out.flush();
                }
                return "ok";
              });
          managers.add(manager.start());
          out.printf("manager -> tunnel://edge/agent-%d: run(\"job-%d\")%n", i, i);
          jobs.add(manager.invoke("run", "job-" + i));
        }
        for (int i = 0; i < jobs.size(); i++) {
          Object result = jobs.get(i).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
          out.printf("manager <- agent-%d result: %s%n", i + 1, result);
          if (!("job-" + (i + 1) + " done by agent-" + (i + 1)).equals(result)) {
            failures.add("agent-" + (i + 1) + " answered " + result);
          }
        }
        GatewayStatus s = hq.status();
        GatewayStatus.LinkStatus link = s.link("edge");
        out.printf(
            "status of hq: link to edge %s, %d channels, %d bytes in, %d bytes out, %d refusals%n",
            link.up() ? "up" : "down",
            link.channels(),
            link.bytesIn(),
            link.bytesOut(),
            s.refusals());
        if (link.channels() != 2) {
          failures.add("hq's link to edge carries " + link.channels() + " channels, not 2");
        }
        out.println("status of edge: registered " + edge.status().registered());
      } finally {
        managers.forEach(Peer::close);
        agents.forEach(Peer::close);
      }
    }
    return failures;
  }

  /**
   * An agent behind edge: registers its name, reports progress to whoever calls "run", then
   * answers.
   */
  private static Peer agent(TcpTransport inEdge, String name) {
    Peer agent = Peer.builder().name(name).transport(inEdge).bind("tunnel://edge/" + name).build();
    agent.handle(
        "run",
        (ctx, body) -> {
          for (int pct = 25; pct <= 100; pct += 25) {
            ctx.caller()
                .invoke("progress", Map.of("agent", name, "percent", pct))
                .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
          }
          return body.value() + " done by " + name;
        });
    return agent.start();
  }

  private static String read(Path dir, String name) throws IOException {
    if (dir != null) {
      return Files.readString(dir.resolve(name));
    }
    try (InputStream in = Federation.class.getResourceAsStream("/federation/" + name)) {
      if (in == null) {
        throw new IOException("the tool's copy of " + name + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * Replaces every 127.0.0.1 port by a free one, the same port by the same replacement across
   * calls.
   */
  private static String renumber(String text, Map<String, String> ports) {
    Matcher m = LOCAL_PORT.matcher(text);
    StringBuilder b = new StringBuilder();
    while (m.find()) {
      String port = ports.computeIfAbsent(m.group(1), p -> String.valueOf(freePort()));
      m.appendReplacement(b, "127.0.0.1:" + port);
    }
    m.appendTail(b);
    return b.toString();
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
