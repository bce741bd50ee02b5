package io.callosum.benchmarks;

import java.util.List;

/**
 * What is measured and against whom. Each scenario has cases (e.g. one per in-flight count), a
 * list of contenders opened side by side, and the contender that ratios are stated against.
 * Scenarios P3–P7 report {@link Metric#FIGURES}: named figures per measurement, the first of
 * {@link #figures} being the one the ratio compares.
 */
enum Scenario {
  P1("P1 small unary throughput", "raw-nio", Metric.CALLS_PER_SECOND, List.of(1, 16, 64, 256),
      List.of(Opener.CALLOSUM_TCP, Opener.CALLOSUM_TCP_DIRECT, Opener.CALLOSUM_ZMQ_DIRECT, Opener.CALLOSUM_INPROC_DIRECT,
          Opener.GRPC_DIRECT, Opener.GRPC_DEFAULT, Opener.RAW_NIO, Opener.RAW_JEROMQ)),
  P2("P2 sequential latency", "raw-socket", Metric.LATENCY, List.of(1),
      List.of(Opener.CALLOSUM_TCP, Opener.CALLOSUM_TCP_DIRECT, Opener.CALLOSUM_ZMQ_DIRECT, Opener.CALLOSUM_INPROC_DIRECT,
          Opener.GRPC_DIRECT, Opener.GRPC_DEFAULT, Opener.RAW_NIO, Opener.RAW_JEROMQ, Opener.RAW_SOCKET)),
  P3("P3 bulk stream (1 GiB in 64 KiB items; 16 MiB with --quick)", "raw-socket-copy", true,
      List.of("MB_per_s", "seconds"),
      "MB/s = 10^6 bytes per second from the first item sent to the receiver's acknowledgement of the last;"
          + " ratio = median ÷ raw-socket-copy's median (higher is better).",
      List.of(Opener.BULK_CALLOSUM_TCP, Opener.BULK_CALLOSUM_INPROC, Opener.BULK_GRPC, Opener.BULK_RAW)),
  P4("P4 connection setup (connect + first call; 200 fresh connections per round, 5 with --quick)", "raw-tcp", false,
      List.of("p50_ms", "p99_ms"),
      "Each round opens fresh connections one after the other and times connect + first echo;"
          + " p50/p99 of that round, median over rounds; ratio = p50 ÷ raw-tcp's p50 (lower is better).",
      List.of(Opener.SETUP_CALLOSUM_TCP, Opener.SETUP_CALLOSUM_TCP_CURVE, Opener.SETUP_CALLOSUM_ZMQ,
          Opener.SETUP_CALLOSUM_ZMQ_CURVE, Opener.SETUP_GRPC, Opener.SETUP_RAW_TCP)),
  P5("P5 fan-out (1 publisher, 16 subscribers, 50-byte items; 100,000 items per round, 2,000 with --quick)", "redis",
      true, List.of("deliveries_per_s", "delivered_pct"),
      "Deliveries/s = items received by all subscribers together ÷ time from the first publish to the last"
          + " delivery; items a subscriber missed are not delivered; ratio = median ÷ redis's median (higher is better).",
      List.of(Opener.FANOUT_CALLOSUM_TCP, Opener.FANOUT_CALLOSUM_ZMQ, Opener.FANOUT_CALLOSUM_INPROC, Opener.FANOUT_REDIS)),
  P6("P6 fan-out scheduling (5,000 calls over 8 workers; 500 with --quick)", "round-robin", true,
      List.of("calls_per_s", "total_ms"),
      "8 worker peers over TCP, 4 slots each, 4 of them 4× slower (1 ms vs 4 ms per call); `capacity-broadcast`"
          + " picks workers by the free capacity they broadcast, `round-robin` cycles through them with the same 32"
          + " calls in flight; ratio = calls/s ÷ round-robin's (higher is better).",
      List.of(Opener.SCHEDULE_CAPACITY, Opener.SCHEDULE_ROUND_ROBIN)),
  P7("P7 scale (idle connections to one bound peer, both ends in this JVM)", null, false,
      List.of("heap_KiB_per_conn", "threads_per_1k_conn", "connections", "open_s"),
      "Heap (after GC) and live threads with every connection open minus before, per connection; everything is"
          + " closed after each round (10,000 TCP channels, 200 ZeroMQ connections; 200 and 5 with --quick).",
      List.of(Opener.SCALE_TCP_CHANNELS, Opener.SCALE_ZMQ));

  /** What one measurement yields. */
  enum Metric { CALLS_PER_SECOND, LATENCY, FIGURES }

  final String title;
  /** The contender ratios are stated against, or null if none. */
  final String baseline;
  final Metric metric;
  /** Calls in flight, one case each (always 1 for the other scenarios). */
  final List<Integer> inFlight;
  final List<Opener> contenders;
  /** FIGURES only: the figures in table order; the first is compared to the baseline. */
  final List<String> figures;
  /** FIGURES only: whether a higher first figure is better. */
  final boolean higherIsBetter;
  /** FIGURES only: what the figures mean, printed above the table. */
  final String note;

  Scenario(String title, String baseline, Metric metric, List<Integer> inFlight, List<Opener> contenders) {
    this.title = title;
    this.baseline = baseline;
    this.metric = metric;
    this.inFlight = inFlight;
    this.contenders = contenders;
    this.figures = List.of();
    this.higherIsBetter = metric == Metric.CALLS_PER_SECOND;
    this.note = "";
  }

  Scenario(String title, String baseline, boolean higherIsBetter, List<String> figures, String note,
      List<Opener> contenders) {
    this.title = title;
    this.baseline = baseline;
    this.metric = Metric.FIGURES;
    this.inFlight = List.of(1);
    this.contenders = contenders;
    this.figures = figures;
    this.higherIsBetter = higherIsBetter;
    this.note = note;
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
    RAW_SOCKET { Contender open() throws Exception { return new RawSocketPingPong(); } },

    BULK_CALLOSUM_TCP { Contender open() { return new BulkStream.Callosum("callosum-tcp", "tcp://127.0.0.1:0"); } },
    BULK_CALLOSUM_INPROC {
      Contender open() {
        return new BulkStream.Callosum("callosum-inproc", "inproc://bench-bulk-" + System.nanoTime());
      }
    },
    BULK_GRPC { Contender open() throws Exception { return new BulkStream.Grpc(); } },
    BULK_RAW { Contender open() throws Exception { return new BulkStream.RawCopy(); } },

    SETUP_CALLOSUM_TCP { Contender open() { return ConnectionSetup.callosumTcp(false); } },
    SETUP_CALLOSUM_TCP_CURVE { Contender open() { return ConnectionSetup.callosumTcp(true); } },
    SETUP_CALLOSUM_ZMQ { Contender open() { return ConnectionSetup.callosumZmq(false); } },
    SETUP_CALLOSUM_ZMQ_CURVE { Contender open() { return ConnectionSetup.callosumZmq(true); } },
    SETUP_GRPC { Contender open() throws Exception { return new ConnectionSetup.Grpc(); } },
    SETUP_RAW_TCP { Contender open() throws Exception { return new ConnectionSetup.RawTcp(); } },

    FANOUT_CALLOSUM_TCP { Contender open() throws Exception { return new Fanout.Callosum("callosum-tcp", "tcp://127.0.0.1:0"); } },
    FANOUT_CALLOSUM_ZMQ {
      Contender open() throws Exception {
        return new Fanout.Callosum("callosum-zmq", "zmq+tcp://127.0.0.1:0");
      }
    },
    FANOUT_CALLOSUM_INPROC {
      Contender open() throws Exception {
        return new Fanout.Callosum("callosum-inproc", "inproc://bench-fanout-" + System.nanoTime());
      }
    },
    FANOUT_REDIS { Contender open() throws Exception { return new Fanout.Redis(); } },

    SCHEDULE_CAPACITY { Contender open() throws Exception { return new Scheduling(true); } },
    SCHEDULE_ROUND_ROBIN { Contender open() throws Exception { return new Scheduling(false); } },

    SCALE_TCP_CHANNELS { Contender open() { return Scale.tcpChannels(); } },
    SCALE_ZMQ { Contender open() { return Scale.zmq(); } };

    abstract Contender open() throws Exception;
  }
}
