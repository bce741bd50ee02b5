package io.callosum.examples.guide;

import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.auth.CurveCertificate;
import io.callosum.auth.CurveKeyPair;
import io.callosum.gateway.Gateway;
import io.callosum.gateway.GatewayConfig;
import io.callosum.gateway.GatewayConfigFile;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.TcpTransport;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The snippets of the user guide's section "Gateways" (docs/GUIDE.md): two clusters, hq (its
 * gateway from a YAML file) and edge (its gateway built in code, dialling out to hq), and a client
 * in hq calling a worker in edge by name.
 */
final class GatewaysGuide {
  /**
   * Edge's gateway key pair. A demo key, published here and in the example gateway files, so that
   * gateway-hq.yaml can name its public key; make your own with {@code ./callosum keygen}.
   */
  static final String EDGE_DEMO_SECRET = "0193oEBqL7HR=pJRnffRUs<.YUPZ->5k0}BUcGc{";

  private GatewaysGuide() {}

  /**
   * Puts gateway-hq.yaml and a fresh key pair for hq ({@code hq.key_secret}, {@code hq.key}) into
   * {@code dir}, as an operator would.
   */
  static void prepare(Path dir) throws IOException {
    try (InputStream yaml = GatewaysGuide.class.getResourceAsStream("gateway-hq.yaml")) {
      if (yaml == null) {
        throw new IOException("gateway-hq.yaml is missing from the class path");
      }
      Files.copy(yaml, dir.resolve("gateway-hq.yaml"));
    }
    CurveCertificate.create(dir, "hq", CurveKeyPair.generate(), false);
  }

  /**
   * Runs both gateways from the files in {@code dir} (see {@link #prepare}), a worker behind edge
   * and a client in hq; returns the worker's answer.
   */
  static Object federation(Path dir) throws IOException, InterruptedException {
    CurveKeyPair edgeKeys = CurveKeyPair.fromSecretKeyZ85(EDGE_DEMO_SECRET);
    // guide:gateways
    try (Gateway hq = Gateway.start(GatewayConfigFile.read(dir.resolve("gateway-hq.yaml")));
        Gateway edge =
            Gateway.start(
                GatewayConfig.builder("edge")
                    .listen(URI.create("tcp://127.0.0.1:0"))
                    .keyPair(edgeKeys)
                    .link( // dialled by edge: works from behind NAT, carries channels both ways
                        "hq",
                        URI.create(hq.linkAddress()),
                        CurveCertificate.read(dir.resolve("hq.key")).publicKey())
                    .grant("hq", "worker") // hq's peers may reach the peer registered as worker
                    .build())) {
      awaitLink(hq, "edge"); // a link comes up in the background: linkUp(cluster) tells when
      awaitLink(edge, "hq");
      return callWorker(hq, edge);
    }
    // end guide:gateways
  }

  /** A worker registered at edge, called from hq through both gateways. */
  private static Object callWorker(Gateway hq, Gateway edge) {
    // guide:tunnel
    // a worker in cluster edge: dials out to its gateway and registers the name "worker"
    TcpTransport viaEdge =
        new TcpTransport(TcpOptions.builder().gateway(URI.create(edge.localAddress())).build());
    try (BoundPeer worker =
        Peer.builder().transport(viaEdge).bind("tunnel://edge/worker").build()) {
      worker.handle(
          "run", (ctx, body) -> body.value() + " done for " + ctx.identity().orElseThrow());
      worker.start();

      // a client in cluster hq: reaches the worker by name, through hq's gateway and the link
      TcpTransport viaHq =
          new TcpTransport(TcpOptions.builder().gateway(URI.create(hq.localAddress())).build());
      try (ConnectedPeer client =
          Peer.builder().transport(viaHq).connect("tunnel://edge/worker").build().start()) {
        return client.invoke("run", "job-1").join(); // "job-1 done for hq": the calling cluster
      }
    }
    // end guide:tunnel
  }

  /** Waits until {@code gateway}'s link to {@code cluster} is up; at most 10 s. */
  private static void awaitLink(Gateway gateway, String cluster) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!gateway.linkUp(cluster)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the link to " + cluster + " did not come up in 10 s");
      }
      TimeUnit.MILLISECONDS.sleep(2); // a link comes up in the background; nothing announces it
    }
  }
}
