package io.callosum.benchmarks;

import java.util.List;

/**
 * The serving side of a contender (an echo server, a bulk receiver, a publisher, workers, a bound
 * peer with many connections): opened by a {@link Role}, in a worker JVM of its own ({@link
 * ChildJvm}) or, for same-JVM contenders and {@code --same-jvm}, in the harness ({@link
 * Host#local()}). Its methods are called by one thread at a time: the worker's main thread, or the
 * harness thread.
 */
interface Served extends AutoCloseable {
  /**
   * What the harness needs to reach it, printed after {@code READY}: the address first, then any
   * public facts (a port, a public key, a certificate), each one word.
   */
  List<String> ready();

  /** Answers a command of the harness (e.g. {@code publish 1000}); the reply is one line. */
  default String command(String name, List<String> args) throws Exception {
    throw new IllegalArgumentException("unknown command " + name);
  }

  /** Releases every thread, socket and context it holds. */
  @Override
  void close();
}
