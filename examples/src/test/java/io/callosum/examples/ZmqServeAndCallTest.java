package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.auth.CurveCertificate;
import io.callosum.auth.CurveKeyPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} and {@code call} in one JVM over ZeroMQ on loopback (ephemeral ports): plain,
 * compressed, and with CURVE, whose key files are written as {@code callosum keygen} writes them.
 */
class ZmqServeAndCallTest {
  private static final String LOOPBACK = "zmq+tcp://127.0.0.1:0";

  @TempDir static Path dir;

  /** server.key(_secret), alice.key(_secret) and mallory.key(_secret). */
  private static Path keys;

  /** A directory holding only alice.key. */
  private static Path allowed;

  private static String serverPublic;

  @BeforeAll
  static void writeKeys() throws IOException {
    keys = dir.resolve("keys");
    for (String name : new String[] {"server", "alice", "mallory"}) {
      try (CurveKeyPair pair = CurveKeyPair.generate()) {
        CurveCertificate.create(keys, name, pair, false);
      }
    }
    allowed = Files.createDirectories(dir.resolve("allowed"));
    Files.copy(
        keys.resolve("alice.key"),
        allowed.resolve("alice.key"),
        StandardCopyOption.COPY_ATTRIBUTES);
    serverPublic = CurveCertificate.read(keys.resolve("server.key")).publicKey().z85();
  }

  private static String key(String file) {
    return keys.resolve(file).toString();
  }

  /** A CURVE server whose allow-list is {@code allow}. */
  private static ServeRun curveServer(Path allow) throws InterruptedException {
    return ServeRun.at(
        LOOPBACK,
        "--curve-server-secret",
        key("server.key_secret"),
        "--curve-allow",
        allow.toString());
  }

  private static void assertResult(String json, ToolRun run) {
    assertEquals(ExitCodes.OK, run.exit(), run::toString);
    assertEquals(json + System.lineSeparator(), run.out(), run::toString);
    assertEquals("", run.err(), run::toString);
  }

  /** Runs a command that must end by itself (e.g. a usage error of serve), bounded. */
  private static ToolRun bounded(String... args) {
    return assertTimeoutPreemptively(ServeRun.WAIT, () -> ToolRun.of(args));
  }

  @Test
  void plainServeAndCallOverTcpWithAnEphemeralPort() throws Exception {
    try (ServeRun server = ServeRun.at(LOOPBACK)) {
      assertFalse(server.address.endsWith(":0"), server.address);
      assertResult("{\"result\":5}", server.call("add", "{\"a\":2,\"b\":3}"));
      assertResult("\"hi\"", server.call("echo", "\"hi\""));
      server.err.awaitLine(line -> line.matches("zmq-\\d+ echo -> ok .*"), ServeRun.WAIT);
    }
  }

  @Test
  void compressedRepliesArriveAndDecode() throws Exception {
    String large = "\"" + "compress me ".repeat(2_000) + "\"";
    try (ServeRun server = ServeRun.at(LOOPBACK, "--compress")) {
      assertResult(large, server.call("echo", large));
      assertResult("{\"result\":2.5}", server.call("add", "{\"a\":2,\"b\":0.5}"));
      server
          .call("fail", "\"boom\"")
          .assertExit(ExitCodes.FAILED, "java.lang.IllegalStateException: boom");
    }
  }

  @Test
  void curveWithAnAllowListDirectoryLetsAllowedKeysInAndLogsTheirUserId() throws Exception {
    try (ServeRun server = curveServer(allowed)) {
      assertTrue(
          server.err.toString().contains("CURVE server " + serverPublic), server.err::toString);
      ToolRun run =
          server.call(
              "--curve-client-secret",
              key("alice.key_secret"),
              "--curve-server-public",
              serverPublic,
              "echo",
              "\"secret\"");
      assertResult("\"secret\"", run);
      server.err.awaitLine(
          line -> line.matches("zmq-\\d+ \\(user alice\\) echo -> ok .*"), ServeRun.WAIT);
    }
  }

  @Test
  void aCertificateAddedToTheAllowListDirectoryCountsWithoutARestart() throws Exception {
    Path live = Files.createDirectories(dir.resolve("live"));
    try (ServeRun server = curveServer(live)) {
      String[] call = {
        "--curve-client-secret",
        key("mallory.key_secret"),
        "--curve-server-public",
        serverPublic,
        "echo",
        "\"in\""
      };
      server.call(call).assertExit(ExitCodes.AUTHENTICATION);
      Files.copy(keys.resolve("mallory.key"), live.resolve("mallory.key"));
      // The directory is looked at again at most once a second.
      long deadline = System.nanoTime() + ServeRun.WAIT.toNanos();
      ToolRun run = server.call(call);
      while (run.exit() == ExitCodes.AUTHENTICATION && System.nanoTime() < deadline) {
        Thread.sleep(200);
        run = server.call(call);
      }
      assertResult("\"in\"", run);
      server.err.awaitLine(
          line -> line.matches("zmq-\\d+ \\(user mallory\\) echo -> ok .*"), ServeRun.WAIT);
    }
  }

  @Test
  void curveWithOneAllowedCertificateFileAndTheServerKeyAsAFile() throws Exception {
    try (ServeRun server = curveServer(keys.resolve("alice.key"))) {
      ToolRun run =
          server.call(
              "--curve-client-secret",
              key("alice.key_secret"),
              "--curve-server-public",
              key("server.key"),
              "add",
              "{\"a\":1,\"b\":2}");
      assertResult("{\"result\":3}", run);
      server.err.awaitLine(
          line -> line.matches("zmq-\\d+ \\(user alice\\) add -> ok .*"), ServeRun.WAIT);
    }
  }

  @Test
  void aKeyNotAllowedExitsWithTheAuthenticationCode() throws Exception {
    for (Path allow : new Path[] {allowed, keys.resolve("alice.key")}) {
      try (ServeRun server = curveServer(allow)) {
        ToolRun run =
            server
                .call(
                    "--curve-client-secret",
                    key("mallory.key_secret"),
                    "--curve-server-public",
                    serverPublic,
                    "echo")
                .assertExit(
                    ExitCodes.AUTHENTICATION,
                    "AUTHENTICATION_FAILED (AuthenticationException)",
                    "serve --curve-allow");
        assertEquals("", run.out(), run::toString);
        assertFalse(server.err.toString().contains(" echo -> "), server.err::toString);
      }
    }
  }

  /**
   * A CURVE option mismatch is said at once: jeromq reports it only as a dropped handshake, which
   * the lower would retry until its connect timeout (10 s).
   */
  @Test
  void aSecurityMismatchIsSaidAtOnce() throws Exception {
    try (ServeRun server = curveServer(allowed)) {
      long start = System.nanoTime();
      server
          .call("echo", "1")
          .assertOneLine(ExitCodes.USAGE, "requires CURVE", "--curve-client-secret FILE");
      assertTrue(
          System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "not reported before 5 s");
      ToolRun sent =
          ToolRun.of("send", "--connect", server.address, "s")
              .assertOneLine(ExitCodes.USAGE, "requires CURVE");
      assertEquals("", sent.out(), sent::toString);
      assertFalse(server.err.toString().contains(" echo -> "), server.err::toString);
    }
    try (ServeRun plain = ServeRun.at(LOOPBACK)) {
      plain
          .call(
              "--curve-client-secret",
              key("alice.key_secret"),
              "--curve-server-public",
              serverPublic,
              "echo",
              "1")
          .assertOneLine(ExitCodes.USAGE, "does not use CURVE (its security mechanism is NULL)");
      // the probe leaves the server as it was
      assertResult("1", plain.call("echo", "1"));
    }
  }

  @Test
  void halfGivenCurveOptionsAreUsageErrors() {
    String secret = key("server.key_secret");
    String client = key("alice.key_secret");
    String[][] cases = {
      {"serve", "--bind", LOOPBACK, "--curve-server-secret", secret},
      {"serve", "--bind", LOOPBACK, "--curve-allow", allowed.toString()},
      {"serve", "--bind", LOOPBACK, "--curve-domain", "api"},
      {"call", "--connect", "zmq+tcp://127.0.0.1:1", "--curve-client-secret", client, "echo"},
      {"call", "--connect", "zmq+tcp://127.0.0.1:1", "--curve-server-public", serverPublic, "echo"},
    };
    String[] expected = {
      "--curve-server-secret needs --curve-allow as well",
      "--curve-allow needs --curve-server-secret as well",
      "--curve-domain needs --curve-server-secret",
      "--curve-client-secret needs --curve-server-public as well",
      "--curve-server-public needs --curve-client-secret as well",
    };
    for (int i = 0; i < cases.length; i++) {
      ToolRun run =
          bounded(cases[i])
              .assertExit(
                  ExitCodes.USAGE, "callosum: " + expected[i], "--help' for more information.");
      assertEquals("", run.out(), run::toString);
    }
  }

  /**
   * The same keys and options secure the TCP lower (CurveZMQ): allowed key in with its user id,
   * others refused.
   */
  @Test
  void curveOverTheTcpLower() throws Exception {
    try (ServeRun server =
        ServeRun.at(
            "tcp://127.0.0.1:0",
            "--curve-server-secret",
            key("server.key_secret"),
            "--curve-allow",
            allowed.toString())) {
      ToolRun run =
          server.call(
              "--curve-client-secret",
              key("alice.key_secret"),
              "--curve-server-public",
              serverPublic,
              "echo",
              "\"tcp\"");
      assertResult("\"tcp\"", run);
      server.err.awaitLine(
          line -> line.matches("tcp-\\S+ \\(user alice\\) echo -> ok .*"), ServeRun.WAIT);
      ToolRun refused =
          server.call(
              "--curve-client-secret",
              key("mallory.key_secret"),
              "--curve-server-public",
              serverPublic,
              "echo",
              "1");
      assertEquals(ExitCodes.AUTHENTICATION, refused.exit(), refused::toString);
    }
  }

  @Test
  void badCurveOptionsAreUsageErrors() {
    String secret = key("server.key_secret");
    String[][] cases = {
      {
        "serve",
        "--bind",
        "inproc://curve",
        "--curve-server-secret",
        secret,
        "--curve-allow",
        allowed.toString()
      },
      {
        "call",
        "--connect",
        "inproc://curve",
        "--curve-client-secret",
        secret,
        "--curve-server-public",
        serverPublic,
        "echo"
      },
      {
        "serve",
        "--bind",
        LOOPBACK,
        "--curve-server-secret",
        key("server.key"),
        "--curve-allow",
        allowed.toString()
      },
      {
        "serve",
        "--bind",
        LOOPBACK,
        "--curve-server-secret",
        secret,
        "--curve-allow",
        dir.resolve("nothing.key").toString()
      },
      {
        "call",
        "--connect",
        LOOPBACK,
        "--curve-client-secret",
        key("none.key_secret"),
        "--curve-server-public",
        serverPublic,
        "echo"
      },
      {
        "call",
        "--connect",
        LOOPBACK,
        "--curve-client-secret",
        secret,
        "--curve-server-public",
        "not-a-key",
        "echo"
      },
    };
    String[] expected = {
      "--curve-server-secret needs an address of a lower with CURVE (tcp://, tunnel://,"
          + " zmq+inproc://, zmq+ipc://, zmq+tcp://), not inproc://curve",
      "--curve-client-secret needs an address of a lower with CURVE",
      "is a public certificate; this option needs a secret one (NAME.key_secret)",
      "--curve-allow: no such file: " + dir.resolve("nothing.key"),
      "no such file: " + key("none.key_secret"),
      "'not-a-key' is neither a public key (40 characters of Z85) nor a certificate file",
    };
    for (int i = 0; i < cases.length; i++) {
      bounded(cases[i]).assertExit(ExitCodes.USAGE, expected[i]);
    }
  }
}
