package io.callosum.micrometer;

import io.callosum.CallInfo;
import io.callosum.CallInterceptor;
import io.callosum.CallOutcome;
import io.callosum.ErrorCode;
import io.callosum.Peer;
import io.callosum.fanout.BroadcastReceiver;
import io.callosum.fanout.Broadcaster;
import io.callosum.micrometer.internal.LowerConnections;
import io.callosum.micrometer.internal.MethodTags;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

/**
 * Callosum's calls, connections and fan-out losses as Micrometer meters. Register it as an
 * interceptor of every peer to observe ({@code Peer.builder().interceptor(metrics)}), and give it
 * the peers and broadcast endpoints whose state it should gauge ({@link #monitor(Peer)}, {@link
 * #monitor(String, Broadcaster)}, {@link #monitor(String, BroadcastReceiver)}). One instance may
 * serve many peers.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@code callosum.calls}</td><td>timer</td><td>{@code side}, {@code method},
 *       {@code outcome}</td><td>calls ended, by how long they took (percentile histograms with
 *       {@link Builder#percentileHistograms})</td></tr>
 *   <tr><td>{@code callosum.calls.active}</td><td>gauge</td><td>{@code side}</td><td>calls
 *       started and not yet ended</td></tr>
 *   <tr><td>{@code callosum.bytes.sent}, {@code callosum.bytes.received}</td><td>counter</td>
 *       <td>{@code side}, {@code method}</td><td>bytes of the calls' messages (header and body
 *       frames)</td></tr>
 *   <tr><td>{@code callosum.connections}</td><td>gauge</td><td>{@code lower}</td><td>remotes
 *       connected to the monitored peers, per lower (the address scheme: {@code tcp}, {@code
 *       zmq+tcp}, {@code inproc}, ...)</td></tr>
 *   <tr><td>{@code callosum.fanout.dropped}</td><td>function counter</td><td>{@code fanout},
 *       {@code role}</td><td>broadcast items lost: a publisher's refused for its full queue
 *       ({@code role=publisher}), a receiver's missed ({@code role=receiver})</td></tr>
 * </table>
 *
 * <p>Every tag is bounded, whatever remotes send: {@code side} is {@code caller} or {@code callee},
 * {@code outcome} is {@code OK} or an {@link ErrorCode} name, a served call of a method without a
 * handler is tagged {@code method=unknown}, and {@code method} takes at most {@link
 * Builder#maxMethods} distinct names (default {@value #DEFAULT_MAX_METHODS}; the first ones seen),
 * the rest {@code other}. Thread-safe: the interceptor's methods run on any thread and do no more
 * than update meters.
 */
public final class CallosumMetrics implements CallInterceptor {
  /** Default {@link Builder#maxMethods}. */
  public static final int DEFAULT_MAX_METHODS = 200;

  /** The {@code method} tag of a served call of a method that has no handler. */
  public static final String UNKNOWN_METHOD = "unknown";

  private final MeterRegistry registry;
  private final boolean histograms;
  private final MethodTags methods;
  private final Map<CallInfo.Side, AtomicInteger> active = new EnumMap<>(CallInfo.Side.class);
  private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();
  private final Map<BytesKey, Counter[]> bytes = new ConcurrentHashMap<>();
  private final Map<String, LowerConnections> lowers = new ConcurrentHashMap<>();

  private record TimerKey(CallInfo.Side side, String method, String outcome) {}

  private record BytesKey(CallInfo.Side side, String method) {}

  private CallosumMetrics(Builder b) {
    this.registry = b.registry;
    this.histograms = b.percentileHistograms;
    this.methods = new MethodTags(b.maxMethods);
    for (CallInfo.Side side : CallInfo.Side.values()) {
      AtomicInteger n = new AtomicInteger();
      active.put(side, n);
      Gauge.builder("callosum.calls.active", n, AtomicInteger::get)
          .description("Calls started and not yet ended")
          .tag("side", tag(side))
          .register(registry);
    }
  }

  /** Starts describing the metrics kept in {@code registry}. */
  public static Builder builder(MeterRegistry registry) {
    return new Builder(registry);
  }

  // ---------------------------------------------------------------- the interceptor

  @Override
  public void started(CallInfo call) {
    active.get(call.side()).incrementAndGet();
  }

  @Override
  public void finished(CallInfo call, CallOutcome outcome) {
    active.get(call.side()).decrementAndGet();
    String method =
        call.side() == CallInfo.Side.CALLEE && outcome.error() == ErrorCode.NO_SUCH_METHOD
            ? UNKNOWN_METHOD
            : methods.of(call.method());
    String result = outcome.isSuccess() ? "OK" : outcome.error().name();
    timers
        .computeIfAbsent(new TimerKey(call.side(), method, result), this::timer)
        .record(outcome.duration().toNanos(), TimeUnit.NANOSECONDS);
    Counter[] sentAndReceived =
        bytes.computeIfAbsent(new BytesKey(call.side(), method), this::byteCounters);
    sentAndReceived[0].increment((double) outcome.bytesOut());
    sentAndReceived[1].increment((double) outcome.bytesIn());
  }

  private Timer timer(TimerKey k) {
    return Timer.builder("callosum.calls")
        .description("Calls ended, by side, method and outcome")
        .tag("side", tag(k.side()))
        .tag("method", k.method())
        .tag("outcome", k.outcome())
        .publishPercentileHistogram(histograms)
        .register(registry);
  }

  private Counter[] byteCounters(BytesKey k) {
    return new Counter[] {byteCounter("sent", k), byteCounter("received", k)};
  }

  private Counter byteCounter(String direction, BytesKey k) {
    return Counter.builder("callosum.bytes." + direction)
        .description("Bytes this peer " + direction + " for calls")
        .baseUnit("bytes")
        .tag("side", tag(k.side()))
        .tag("method", k.method())
        .register(registry);
  }

  private static String tag(CallInfo.Side side) {
    return side == CallInfo.Side.CALLER ? "caller" : "callee";
  }

  // ---------------------------------------------------------------- state to gauge

  /**
   * Counts {@code peer}'s connected remotes in {@code callosum.connections}, tagged with its lower
   * (the scheme of its address). The peer is held weakly; a closed peer counts none.
   */
  public CallosumMetrics monitor(Peer peer) {
    String lower = URI.create(peer.address()).getScheme();
    lowers
        .computeIfAbsent(
            lower,
            l -> {
              LowerConnections c = new LowerConnections();
              Gauge.builder("callosum.connections", c, LowerConnections::count)
                  .description("Remotes connected to the monitored peers, per lower")
                  .tag("lower", l)
                  .strongReference(true)
                  .register(registry);
              return c;
            })
        .add(peer);
    return this;
  }

  /**
   * Counts the items {@code publisher} refused for its full queue ({@link Broadcaster#dropped()})
   * in {@code callosum.fanout.dropped}, tagged {@code fanout=name, role=publisher}. Held weakly.
   */
  public CallosumMetrics monitor(String name, Broadcaster publisher) {
    return lost(name, "publisher", publisher, Broadcaster::dropped);
  }

  /**
   * Counts the items {@code receiver} missed ({@link BroadcastReceiver#missed()}) in {@code
   * callosum.fanout.dropped}, tagged {@code fanout=name, role=receiver}. Held weakly.
   */
  public CallosumMetrics monitor(String name, BroadcastReceiver receiver) {
    return lost(name, "receiver", receiver, BroadcastReceiver::missed);
  }

  private <T> CallosumMetrics lost(String name, String role, T endpoint, ToDoubleFunction<T> f) {
    FunctionCounter.builder("callosum.fanout.dropped", endpoint, f)
        .description("Broadcast items lost")
        .tag("fanout", Objects.requireNonNull(name, "name"))
        .tag("role", role)
        .register(registry);
    return this;
  }

  @Override
  public String toString() {
    return "CallosumMetrics(" + registry.getClass().getSimpleName() + ")";
  }

  /** Describes a {@link CallosumMetrics}. Not thread-safe; build on one thread. */
  public static final class Builder {
    private final MeterRegistry registry;
    private boolean percentileHistograms;
    private int maxMethods = DEFAULT_MAX_METHODS;

    private Builder(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Publishes a percentile histogram with each {@code callosum.calls} timer, for backends that
     * aggregate percentiles across instances (Prometheus, ...). Default: off.
     */
    public Builder percentileHistograms(boolean publish) {
      this.percentileHistograms = publish;
      return this;
    }

    /**
     * At most this many distinct method names become {@code method} tag values (the first ones
     * seen); the others are tagged {@code other}. Set it above the number of methods this
     * application calls and serves. Default {@value CallosumMetrics#DEFAULT_MAX_METHODS}.
     */
    public Builder maxMethods(int max) {
      if (max < 0) {
        throw new IllegalArgumentException("maxMethods must be >= 0: " + max);
      }
      this.maxMethods = max;
      return this;
    }

    /** The metrics; registers the {@code callosum.calls.active} gauges at once. */
    public CallosumMetrics build() {
      return new CallosumMetrics(this);
    }
  }
}
