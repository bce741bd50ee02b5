package io.callosum.benchmarks;

import java.util.List;

/**
 * What is measured and against whom. Each scenario has cases (e.g. one per in-flight count), a
 * list of contenders opened side by side, and the contender that ratios are stated against.
 */
enum Scenario {
  P1("P1 small unary throughput", "raw-nio", Metric.CALLS_PER_SECOND, List.of(1, 16, 64, 256),
      List.of(Opener.CALLOSUM_TCP, Opener.CALLOSUM_TCP_DIRECT, Opener.CALLOSUM_ZMQ_DIRECT, Opener.CALLOSUM_INPROC_DIRECT,
          Opener.GRPC_DIRECT, Opener.GRPC_DEFAULT, Opener.RAW_NIO, Opener.RAW_JEROMQ)),
  P2("P2 sequential latency", "raw-socket", Metric.LATENCY, List.of(1),
      List.of(Opener.CALLOSUM_TCP, Opener.CALLOSUM_TCP_DIRECT, Opener.CALLOSUM_ZMQ_DIRECT, Opener.CALLOSUM_INPROC_DIRECT,
          Opener.GRPC_DIRECT, Opener.GRPC_DEFAULT, Opener.RAW_NIO, Opener.RAW_JEROMQ, Opener.RAW_SOCKET));

  /** What one measurement yields. */
  enum Metric { CALLS_PER_SECOND, LATENCY }

  final String title;
  final String baseline;
  final Metric metric;
  /** Calls in flight, one case each (always 1 for latency). */
  final List<Integer> inFlight;
  final List<Opener> contenders;

  Scenario(String title, String baseline, Metric metric, List<Integer> inFlight, List<Opener> contenders) {
    this.title = title;
    this.baseline = baseline;
    this.metric = metric;
    this.inFlight = inFlight;
    this.contenders = contenders;
  }

  /** How to open each contender; a fresh server and connection per scenario. */
  enum Opener {
    CALLOSUM_TCP { Contender open() { return new CallosumEcho("callosum-tcp", "tcp://127.0.0.1:0", false); } },
    CALLOSUM_TCP_DIRECT { Contender open() { return new CallosumEcho("callosum-tcp-direct", "tcp://127.0.0.1:0", true); } },
    CALLOSUM_ZMQ_DIRECT { Contender open() { return new CallosumEcho("callosum-zmq-direct", "zmq+tcp://127.0.0.1:0", true); } },
    CALLOSUM_INPROC_DIRECT {
      Contender open() {
        return new CallosumEcho("callosum-inproc-direct", "inproc://bench-echo-" + System.nanoTime(), true);
      }
    },
    GRPC_DIRECT { Contender open() throws Exception { return new GrpcEcho(true); } },
    GRPC_DEFAULT { Contender open() throws Exception { return new GrpcEcho(false); } },
    RAW_NIO { Contender open() throws Exception { return new RawNioEcho(); } },
    RAW_JEROMQ { Contender open() throws Exception { return new JeromqEcho(); } },
    RAW_SOCKET { Contender open() throws Exception { return new RawSocketPingPong(); } };

    abstract Contender open() throws Exception;
  }
}
