package io.callosum.benchmarks;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * The harness's handle on a contender's serving side ({@link Served}), wherever it runs: in a
 * worker JVM ({@link ChildJvm}) or in this one ({@link Host#local()}). Commands are those of the
 * {@link Worker} protocol.
 */
interface Server extends AutoCloseable {
  /** What the serving side printed after {@code READY}: its address, then any public facts. */
  List<String> ready();

  /** The address to connect to. */
  default String address() {
    return ready().get(0);
  }

  /** Sends one command and returns the reply after {@code OK}; a failure or {@code ERR} throws. */
  String request(String command, Duration timeout) throws IOException;

  default String request(String command) throws IOException {
    return request(command, ChildJvm.COMMAND_TIMEOUT);
  }

  /** The worker process, or empty when the serving side runs in this JVM. */
  OptionalLong pid();

  /** A short name for messages, e.g. {@code p1-callosum-tcp}. */
  String label();

  /** Heap in use after GC (bytes) and live Java threads of the process it runs in. */
  default long[] heapAndThreads() throws IOException {
    List<String> words = Worker.words(request("heap"));
    return new long[] {Long.parseLong(words.get(0)), Long.parseLong(words.get(1))};
  }

  @Override
  void close();
}
