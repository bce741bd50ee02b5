package io.callosum.lower.redis.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real {@code redis-server} of this machine on a loopback ephemeral port, for tests and the
 * benchmarks: started on demand, stopped when the JVM ends (or by {@link #close()}). Nothing is
 * saved to disk. {@link #startTls} starts one that speaks TLS only, with a fresh self-signed
 * certificate. Without {@code redis-server} on the PATH ({@link #installed()}), starting one fails
 * with {@link #INSTALL}; tests skip themselves before that.
 */
public final class RedisServer implements AutoCloseable {
  /** What a skipped test says. */
  public static final String INSTALL =
      "redis-server not found on PATH: apt-get install redis-server (Debian) to run the Redis"
          + " tests";

  private static final AtomicInteger KEYS = new AtomicInteger();
  private static RedisServer shared;

  private final String executable;
  private final List<String> extra;
  private final Path dir;
  private SelfSignedPem tls;
  private int port;
  private Process process;

  private RedisServer(String executable, List<String> extra) throws IOException {
    this.executable = executable;
    this.extra = List.copyOf(extra);
    this.dir = Files.createTempDirectory("callosum-redis");
    this.dir.toFile().deleteOnExit();
  }

  /** The one server of this JVM. */
  public static synchronized RedisServer shared() {
    if (shared == null) {
      shared = start();
    }
    return shared;
  }

  /** A server of its own (to stop and restart), with extra {@code redis-server} arguments. */
  public static RedisServer start(String... extraArgs) {
    return start(false, extraArgs);
  }

  /**
   * A server of its own that speaks TLS only ({@code rediss://}; no plain port), with a fresh
   * self-signed certificate for {@code 127.0.0.1} ({@link #certificate()}), not asking clients for
   * theirs; with extra {@code redis-server} arguments.
   */
  public static RedisServer startTls(String... extraArgs) {
    return start(true, extraArgs);
  }

  private static RedisServer start(boolean tls, String... extraArgs) {
    String exe = find("redis-server");
    if (exe == null) {
      throw new IllegalStateException(INSTALL);
    }
    try {
      RedisServer s = new RedisServer(exe, List.of(extraArgs));
      s.tls = tls ? SelfSignedPem.make(s.dir) : null;
      s.port = freePort();
      s.launch();
      Runtime.getRuntime().addShutdownHook(new Thread(s::close, "redis-server-stop"));
      return s;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start redis-server: " + e, e);
    }
  }

  /** Whether {@code redis-server} is installed. */
  public static boolean installed() {
    return find("redis-server") != null;
  }

  public int port() {
    return port;
  }

  /** The server's process id (it changes with {@link #restart()}). */
  public synchronized long pid() {
    return process.pid();
  }

  /** The PEM file of a TLS server's certificate (the one to trust); see {@link #startTls}. */
  public Path certificate() {
    if (tls == null) {
      throw new IllegalStateException("not a TLS server: start it with startTls");
    }
    return tls.certificate();
  }

  /** {@code redis://127.0.0.1:PORT/KEY}, {@code rediss://...} for a TLS server. */
  public String address(String key) {
    return (tls != null ? "rediss" : "redis") + "://127.0.0.1:" + port + "/" + key;
  }

  /** A fresh address: a stream key no other test of this JVM uses. */
  public String freshAddress(String prefix) {
    return address(prefix + "-" + KEYS.incrementAndGet());
  }

  /** Stops the server (as a crash would: no save), keeping its port for {@link #restart()}. */
  public synchronized void stop() {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  /** Starts it again on the same port, empty. */
  public synchronized void restart() throws IOException {
    stop();
    launch();
  }

  /**
   * Runs one command with {@code redis-cli}-like plain text and returns the raw reply (not on a TLS
   * server).
   */
  public String command(String... words) throws IOException {
    if (tls != null) {
      throw new IllegalStateException("a TLS server takes no plain commands");
    }
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      StringBuilder b = new StringBuilder("*" + words.length + "\r\n");
      for (String w : words) {
        b.append('$').append(w.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
        b.append(w).append("\r\n");
      }
      OutputStream out = s.getOutputStream();
      out.write(b.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[1 << 16];
      int n = in.read(buf);
      return n < 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8);
    }
  }

  private void launch() throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                executable,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                dir.toString(),
                "--loglevel",
                "warning"));
    if (tls == null) {
      cmd.addAll(List.of("--port", String.valueOf(port)));
    } else {
      cmd.addAll(
          List.of(
              "--port",
              "0", // no plain port
              "--tls-port",
              String.valueOf(port),
              "--tls-cert-file",
              tls.certificate().toString(),
              "--tls-key-file",
              tls.key().toString(),
              "--tls-ca-cert-file",
              tls.certificate().toString(),
              "--tls-auth-clients",
              "no"));
    }
    cmd.addAll(extra);
    process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    // Redis accepts TCP on its TLS port as on a plain one: a connection means it is ready.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (IOException e) {
        if (!process.isAlive() || System.nanoTime() - deadline > 0) {
          throw new IOException("redis-server did not start on port " + port, e);
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", ie);
        }
      }
    }
  }

  @Override
  public void close() {
    stop();
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }

  /** {@code command} on the PATH (or in /usr/sbin, /usr/bin), or null. */
  public static String find(String command) {
    String path =
        System.getenv().getOrDefault("PATH", "")
            + File.pathSeparator
            + "/usr/sbin"
            + File.pathSeparator
            + "/usr/bin";
    for (String d : path.split(File.pathSeparator, -1)) {
      File f = new File(d, command);
      if (!d.isEmpty() && f.canExecute()) {
        return f.getAbsolutePath();
      }
    }
    return null;
  }
}
