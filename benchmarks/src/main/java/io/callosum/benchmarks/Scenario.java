package io.callosum.benchmarks;

import java.util.List;
import java.util.Map;

/**
 * What is measured and against whom. Each scenario has cases (e.g. one per in-flight count), a list
 * of contenders opened side by side, and the contender that ratios are stated against (some
 * contenders against another one: {@link #baselineOf}). Scenarios P3–P8 report {@link
 * Metric#FIGURES}: named figures per measurement; those of {@link #ratioFigures} are compared with
 * the baseline.
 */
// Its lists are List.of or List.copyOf, so unmodifiable; the check knows only Guava's types.
@SuppressWarnings("ImmutableEnumChecker")
enum Scenario {
  P1(
      "P1 small unary throughput",
      "raw-nio",
      Metric.CALLS_PER_SECOND,
      List.of(1, 16, 64, 256),
      List.of(
          Opener.CALLOSUM_TCP,
          Opener.CALLOSUM_TCP_DIRECT,
          Opener.CALLOSUM_ZMQ,
          Opener.CALLOSUM_ZMQ_DIRECT,
          Opener.CALLOSUM_INPROC_DIRECT,
          Opener.CALLOSUM_REDIS,
          Opener.GRPC_DIRECT,
          Opener.GRPC_DEFAULT,
          Opener.RAW_NIO,
          Opener.RAW_JEROMQ)),
  P2(
      "P2 sequential latency",
      "raw-socket",
      Metric.LATENCY,
      List.of(1),
      List.of(
          Opener.CALLOSUM_TCP,
          Opener.CALLOSUM_TCP_DIRECT,
          Opener.CALLOSUM_ZMQ,
          Opener.CALLOSUM_ZMQ_DIRECT,
          Opener.CALLOSUM_INPROC_DIRECT,
          Opener.GRPC_DIRECT,
          Opener.GRPC_DEFAULT,
          Opener.RAW_NIO,
          Opener.RAW_JEROMQ,
          Opener.RAW_SOCKET)),
  P3(
      "P3 bulk stream (1 GiB in 64 KiB items; 16 MiB with --quick)",
      "raw-socket-copy",
      true,
      List.of("MB_per_s", "seconds", CallCost.CPU_PER_GB, CallCost.SERVER_CPU_PER_GB),
      "MB/s = 10^6 bytes per second from the first item sent to the receiver's acknowledgement of"
          + " the last; CPU ms/GB = CPU time of the harness (sender) and the receiver's process"
          + " together per 10^9 bytes, server = the receiver's part (none for a same-JVM"
          + " contender); ratio = median ÷ its baseline's median (higher is better):"
          + " callosum-tcp-curve against tls-socket-copy (both encrypted), every other contender"
          + " against raw-socket-copy.",
      List.of(
          Opener.BULK_CALLOSUM_TCP,
          Opener.BULK_CALLOSUM_TCP_CURVE,
          Opener.BULK_CALLOSUM_INPROC,
          Opener.BULK_GRPC,
          Opener.BULK_RAW,
          Opener.BULK_TLS)),
  P4(
      "P4 connection setup (connect + first call; 200 fresh connections per round, 5 with --quick)",
      "raw-tcp",
      false,
      List.of("p50_ms", "p99_ms", "connects"),
      "Each round opens fresh connections one after the other and times connect + first echo;"
          + " p50/p99 of that round (over `connects` connections), median over rounds; ratio = p50"
          + " ÷ raw-tcp's p50 (lower is better).",
      List.of(
          Opener.SETUP_CALLOSUM_TCP,
          Opener.SETUP_CALLOSUM_TCP_CURVE,
          Opener.SETUP_CALLOSUM_ZMQ,
          Opener.SETUP_CALLOSUM_ZMQ_CURVE,
          Opener.SETUP_GRPC,
          Opener.SETUP_RAW_JEROMQ,
          Opener.SETUP_RAW_TCP)),
  P5(
      "P5 fan-out (1 publisher, 16 subscribers, 50-byte items; 100,000 items per round, 2,000 with"
          + " --quick)",
      "redis",
      true,
      List.of(
          "deliveries_per_s",
          "delivered_pct",
          CallCost.CPU_PER_DELIVERY,
          CallCost.SERVER_CPU_PER_DELIVERY),
      "The publisher runs in its own process (for Redis: the Jedis publisher, and redis-server,"
          + " which fans out; callosum-redis: a Broadcaster appending to a stream of redis-server,"
          + " which each subscriber reads in a consumer group of its own), the 16 subscribers in"
          + " the harness; the -curve contenders encrypt with CurveZMQ (ZeroMQ: over DEALER/ROUTER"
          + " links with credit, as PUB/SUB has no CURVE here), against Redis without TLS."
          + " Deliveries/s = items received by all subscribers together ÷ time from the harness's"
          + " publish command to the last delivery; items a subscriber missed are not delivered;"
          + " CPU ns/delivery = CPU time of the harness (the subscribers), the publisher's process"
          + " and redis-server together per delivery, server = the publisher's process and"
          + " redis-server; ratio = median ÷ redis's median (higher is better).",
      List.of(
          Opener.FANOUT_CALLOSUM_TCP,
          Opener.FANOUT_CALLOSUM_ZMQ,
          Opener.FANOUT_CALLOSUM_TCP_CURVE,
          Opener.FANOUT_CALLOSUM_ZMQ_CURVE,
          Opener.FANOUT_CALLOSUM_INPROC,
          Opener.FANOUT_CALLOSUM_REDIS,
          Opener.FANOUT_REDIS)),
  P6(
      "P6 fan-out scheduling (5,000 calls over 8 workers; 500 with --quick)",
      "round-robin",
      true,
      List.of("calls_per_s", "total_ms"),
      "8 worker peers over TCP (in one worker process), 4 slots each, 4 of them 4× slower (1 ms vs"
          + " 4 ms per call); `capacity-broadcast` picks workers by the free capacity they"
          + " broadcast, `round-robin` cycles through them with the same 32 calls in flight; ratio"
          + " = calls/s ÷ round-robin's (higher is better).",
      List.of(Opener.SCHEDULE_CAPACITY, Opener.SCHEDULE_ROUND_ROBIN)),
  P7(
      "P7 scale (idle connections to one bound peer; its process's heap and threads)",
      null,
      false,
      List.of("heap_KiB_per_conn", "threads_per_1k_conn", "connections", "open_s"),
      "Heap (after GC) and live threads of the bound peer's process with every connection open"
          + " minus with none, per connection; the clients run in other processes; everything is"
          + " closed after each round and the bound process's threads must come back. 10,000 TCP"
          + " connections (each client its own transport), 10,000 channels of one TCP connection,"
          + " 10,000 ZeroMQ connections (`--p7-tcp`, `--p7-zmq`; 50, 200 and 5 with --quick);"
          + " `connections` = how many opened.",
      List.of(Opener.SCALE_TCP, Opener.SCALE_TCP_CHANNELS, Opener.SCALE_ZMQ)),
  P8(
      "P8 gateway hop (client → gateway A → CurveZMQ link → gateway B → server, against direct"
          + " TCP)",
      "callosum-tcp-direct",
      true,
      List.of("calls_per_s", "p50_us", "p99_us", CallCost.CPU, CallCost.SWITCHES),
      "calls/s with 64 calls in flight, then p50/p99 of one call at a time (µs), direct executors"
          + " on client and server; the client runs in the harness, each gateway and server in its"
          + " own process; CPU µs and wake-ups per call of all processes at 64 in flight; ratios ="
          + " median ÷ direct TCP's median.",
      List.of(Opener.HOP_DIRECT, Opener.HOP_TUNNEL)) {
    @Override
    List<String> ratioFigures() {
      return List.of("calls_per_s", "p50_us");
    }
  };

  /** What one measurement yields. */
  enum Metric {
    CALLS_PER_SECOND,
    LATENCY,
    FIGURES
  }

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

  Scenario(
      String title,
      String baseline,
      Metric metric,
      List<Integer> inFlight,
      List<Opener> contenders) {
    this.title = title;
    this.baseline = baseline;
    this.metric = metric;
    this.inFlight = List.copyOf(inFlight);
    this.contenders = List.copyOf(contenders);
    this.figures = List.of();
    this.higherIsBetter = metric == Metric.CALLS_PER_SECOND;
    this.note = "";
  }

  Scenario(
      String title,
      String baseline,
      boolean higherIsBetter,
      List<String> figures,
      String note,
      List<Opener> contenders) {
    this.title = title;
    this.baseline = baseline;
    this.metric = Metric.FIGURES;
    this.inFlight = List.of(1);
    this.contenders = List.copyOf(contenders);
    this.figures = List.copyOf(figures);
    this.higherIsBetter = higherIsBetter;
    this.note = note;
  }

  /** FIGURES only: the figures stated as ratios to the baseline. */
  List<String> ratioFigures() {
    return figures.isEmpty() ? List.of() : List.of(figures.get(0));
  }

  /**
   * The contender {@code contender} is compared with: the scenario's baseline but for the encrypted
   * P3 one.
   */
  String baselineOf(String contender) {
    return BASELINES.getOrDefault(this + "/" + contender, baseline);
  }

  private static final Map<String, String> BASELINES =
      Map.of("P3/callosum-tcp-curve", "tls-socket-copy");

  /** How to open each contender; a fresh server and connection per scenario. */
  enum Opener {
    CALLOSUM_TCP("callosum-tcp") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return echo(o, "callosum-tcp", TCP, false);
      }
    },
    CALLOSUM_TCP_DIRECT("callosum-tcp-direct") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return echo(o, "callosum-tcp-direct", TCP, true);
      }
    },
    CALLOSUM_ZMQ("callosum-zmq") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return echo(o, "callosum-zmq", ZMQ, false);
      }
    },
    CALLOSUM_ZMQ_DIRECT("callosum-zmq-direct") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return echo(o, "callosum-zmq-direct", ZMQ, true);
      }
    },
    CALLOSUM_REDIS("callosum-redis") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return OverRedis.echo(o, "callosum-redis");
      }
    },
    /** Same-JVM by nature: the in-process lower has no sockets. */
    CALLOSUM_INPROC_DIRECT("callosum-inproc-direct") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return CallosumEcho.open(
            "callosum-inproc-direct",
            Host.local(),
            "inproc://bench-echo-" + System.nanoTime(),
            true);
      }
    },
    GRPC_DIRECT("grpc-direct") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new GrpcEcho(o.host(), true);
      }
    },
    GRPC_DEFAULT("grpc-default") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new GrpcEcho(o.host(), false);
      }
    },
    RAW_NIO("raw-nio") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new RawNioEcho(o.host());
      }
    },
    RAW_JEROMQ("raw-jeromq") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new JeromqEcho(o.host());
      }
    },
    RAW_SOCKET("raw-socket") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new RawSocketPingPong(o.host());
      }
    },

    BULK_CALLOSUM_TCP("callosum-tcp") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new BulkStream.Callosum("callosum-tcp", o.host(), TCP, false);
      }
    },
    BULK_CALLOSUM_TCP_CURVE("callosum-tcp-curve") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new BulkStream.Callosum("callosum-tcp-curve", o.host(), TCP, true);
      }
    },
    BULK_CALLOSUM_INPROC("callosum-inproc") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new BulkStream.Callosum(
            "callosum-inproc", Host.local(), "inproc://bench-bulk-" + System.nanoTime(), false);
      }
    },
    BULK_GRPC("grpc-direct") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new BulkStream.Grpc(o.host());
      }
    },
    BULK_RAW("raw-socket-copy") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new BulkStream.SocketCopy(o.host(), false);
      }
    },
    BULK_TLS("tls-socket-copy") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new BulkStream.SocketCopy(o.host(), true);
      }
    },

    SETUP_CALLOSUM_TCP("callosum-tcp") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return ConnectionSetup.callosumTcp(o.host(), false);
      }
    },
    SETUP_CALLOSUM_TCP_CURVE("callosum-tcp-curve") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return ConnectionSetup.callosumTcp(o.host(), true);
      }
    },
    SETUP_CALLOSUM_ZMQ("callosum-zmq") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return ConnectionSetup.callosumZmq(o.host(), false);
      }
    },
    SETUP_CALLOSUM_ZMQ_CURVE("callosum-zmq-curve") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return ConnectionSetup.callosumZmq(o.host(), true);
      }
    },
    SETUP_GRPC("grpc-plaintext") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new ConnectionSetup.Grpc(o.host());
      }
    },
    SETUP_RAW_JEROMQ("raw-jeromq") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new ConnectionSetup.RawJeromq(o.host());
      }
    },
    SETUP_RAW_TCP("raw-tcp") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new ConnectionSetup.RawTcp(o.host());
      }
    },

    FANOUT_CALLOSUM_TCP("callosum-tcp") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new Fanout.Callosum("callosum-tcp", o.host(), TCP);
      }
    },
    FANOUT_CALLOSUM_ZMQ("callosum-zmq") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new Fanout.Callosum("callosum-zmq", o.host(), ZMQ);
      }
    },
    FANOUT_CALLOSUM_TCP_CURVE("callosum-tcp-curve") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new Fanout.Callosum("callosum-tcp-curve", o.host(), TCP, true);
      }
    },
    FANOUT_CALLOSUM_ZMQ_CURVE("callosum-zmq-curve") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new Fanout.Callosum("callosum-zmq-curve", o.host(), ZMQ, true);
      }
    },
    FANOUT_CALLOSUM_INPROC("callosum-inproc") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new Fanout.Callosum(
            "callosum-inproc", Host.local(), "inproc://bench-fanout-" + System.nanoTime());
      }
    },
    FANOUT_CALLOSUM_REDIS("callosum-redis") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return OverRedis.fanout(o, "callosum-redis");
      }
    },
    FANOUT_REDIS("redis") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new Fanout.Redis(o.host());
      }
    },

    SCHEDULE_CAPACITY("capacity-broadcast") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new Scheduling(o.host(), true);
      }
    },
    SCHEDULE_ROUND_ROBIN("round-robin") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new Scheduling(o.host(), false);
      }
    },

    SCALE_TCP("callosum-tcp") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new Scale("callosum-tcp", o.host(), Scale.Kind.TCP, o.quick ? 50 : o.p7Tcp);
      }
    },
    SCALE_TCP_CHANNELS("callosum-tcp-channels") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new Scale(
            "callosum-tcp-channels", o.host(), Scale.Kind.TCP_CHANNELS, o.quick ? 200 : o.p7Tcp);
      }
    },
    SCALE_ZMQ("callosum-zmq") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new Scale("callosum-zmq", o.host(), Scale.Kind.ZMQ, o.quick ? 5 : o.p7Zmq);
      }
    },

    HOP_DIRECT("callosum-tcp-direct") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new HopCost(CallosumEcho.open("callosum-tcp-direct", o.host(), TCP, true));
      }
    },
    HOP_TUNNEL("callosum-tunnel-direct") {
      @Override
      Contender open(Bench.Options o) throws Exception {
        return new HopCost(Gateways.tunnel("callosum-tunnel-direct", o.host()));
      }
    };

    private static final String TCP = "tcp://127.0.0.1:0";
    private static final String ZMQ = "zmq+tcp://127.0.0.1:0";

    /** The name of the contender it opens. */
    final String contender;

    Opener(String contender) {
      this.contender = contender;
    }

    abstract Contender open(Bench.Options o) throws Exception;

    private static Contender echo(Bench.Options o, String name, String address, boolean direct)
        throws Exception {
      return CallosumEcho.open(name, o.host(), address, direct);
    }
  }
}
