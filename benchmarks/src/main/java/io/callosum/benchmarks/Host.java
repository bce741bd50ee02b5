package io.callosum.benchmarks;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * Where serving sides run: each in a worker JVM of its own ({@link #children(List)}, the default),
 * or in the harness JVM ({@link #local()}: {@code --same-jvm}, and the in-process contenders, which
 * cannot be anywhere else).
 */
final class Host {
  private static final Host LOCAL = new Host(false, List.of());

  private final boolean children;
  private final List<String> jvmOptions;

  private Host(boolean children, List<String> jvmOptions) {
    this.children = children;
    this.jvmOptions = List.copyOf(jvmOptions);
  }

  /** Worker JVMs, each started with {@code jvmOptions} after its own options. */
  static Host children(List<String> jvmOptions) {
    return new Host(true, jvmOptions);
  }

  static Host local() {
    return LOCAL;
  }

  /** Whether serving sides opened here run in this JVM. */
  boolean sameJvm() {
    return !children;
  }

  Server open(String label, Role role, String... args) throws IOException {
    return open(label, ChildJvm.Spec.DEFAULT, role, args);
  }

  /**
   * Opens {@code role} with {@code args}; {@code spec} says how to start its JVM, if it gets one.
   */
  Server open(String label, ChildJvm.Spec spec, Role role, String... args) throws IOException {
    if (children) {
      return ChildJvm.open(label, spec.with(jvmOptions), role, List.of(args));
    }
    try {
      return new Local(label, role.open(List.of(args)));
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(label + " did not open: " + e, e);
    }
  }

  /** A serving side in this JVM, answering the same commands as a worker. */
  private record Local(String label, Served served) implements Server {
    @Override
    public List<String> ready() {
      return served.ready();
    }

    @Override
    public String request(String command, Duration timeout) throws IOException {
      String reply = Worker.answer(served, command);
      if (reply.startsWith("OK")) {
        return reply.substring(2).trim();
      }
      throw new IOException(label + ": " + command + ": " + reply);
    }

    @Override
    public OptionalLong pid() {
      return OptionalLong.empty();
    }

    @Override
    public void close() {
      served.close();
    }
  }
}
