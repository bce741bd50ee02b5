package io.callosum.examples.soak;

import io.callosum.examples.soak.Violations.Kind;
import io.callosum.fanout.BroadcastReceiver;
import io.callosum.fanout.Broadcaster;
import io.callosum.fanout.Delivery;
import io.callosum.fanout.PipelineReceiver;
import io.callosum.fanout.PipelineSender;
import io.callosum.lower.Transport;
import java.io.IOException;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Broadcast and a pipeline of a soak over one lower, each receiver reaching its sender through a
 * fault proxy ({@code NAME-broadcast}, {@code NAME-pipeline}). The receivers check what the
 * patterns promise under faults (docs/FANOUT.md): a broadcast item may be lost but never repeated
 * or reordered within its topic; a pipeline item is delivered at most once. Items are {@code [topic
 * index, number]} and pipeline numbers.
 *
 * <p>{@link #feed} runs on a workload thread; the receivers' handlers on their own threads.
 */
final class FanoutSite implements AutoCloseable {
  private static final int TOPICS = 4;

  private final String name;
  private final Violations violations;
  private final Broadcaster broadcaster;
  private final FaultProxy broadcastProxy;
  private final BroadcastReceiver subscriber;
  private final PipelineReceiver worker;
  private final FaultProxy pipelineProxy;
  private final PipelineSender sender;
  private final long[] latest = new long[TOPICS]; // subscriber thread only
  private final BitSet worked = new BitSet(); // worker thread only
  private long pipelineOffered; // feeder thread only

  /**
   * Opens both patterns on {@code scheme} ({@code tcp}, {@code zmq+tcp}); senders bind with {@code
   * senders}, receivers connect with {@code receivers}.
   */
  FanoutSite(
      String name, String scheme, Transport senders, Transport receivers, Violations violations)
      throws IOException {
    this.name = name;
    this.violations = violations;
    Arrays.fill(latest, -1);
    String any = scheme + "://127.0.0.1:0";
    broadcaster = Broadcaster.builder().transport(senders).bind(any).build();
    broadcastProxy = new FaultProxy(name + "-broadcast", GatewayPair.port(broadcaster.address()));
    subscriber =
        BroadcastReceiver.builder()
            .transport(receivers)
            .connect(scheme + "://127.0.0.1:" + broadcastProxy.port())
            .topics("soak.")
            .handler(this::broadcastItem)
            .build();
    worker =
        PipelineReceiver.builder()
            .transport(receivers)
            .bind(any)
            .handler(this::pipelineItem)
            .build();
    pipelineProxy = new FaultProxy(name + "-pipeline", GatewayPair.port(worker.address()));
    sender =
        PipelineSender.builder()
            .transport(senders)
            .connect(scheme + "://127.0.0.1:" + pipelineProxy.port())
            .build();
  }

  List<FaultProxy> proxies() {
    return List.of(broadcastProxy, pipelineProxy);
  }

  /** Publishes and offers items every few milliseconds while {@code running}. */
  void feed(long seed, BooleanSupplier running) throws InterruptedException {
    Random random = new Random(seed);
    long[] next = new long[TOPICS];
    while (running.getAsBoolean()) {
      int topic = random.nextInt(TOPICS);
      broadcaster.publish("soak." + topic, List.of(topic, next[topic]++));
      if (sender.offer(pipelineOffered)) {
        pipelineOffered++;
      }
      TimeUnit.MILLISECONDS.sleep(2 + random.nextInt(4));
    }
  }

  /** Broadcast items published, received and seen missing; pipeline items sent and received. */
  String summary() {
    return String.format(
        Locale.ROOT,
        "%s: broadcast %d published, %d received, %d missed; pipeline %d sent, %d received",
        name,
        broadcaster.published(),
        subscriber.received(),
        subscriber.missed(),
        sender.sent(),
        worker.received());
  }

  private void broadcastItem(Delivery d) {
    List<?> item = (List<?>) d.value();
    int topic = (int) SoakService.number(item, 0);
    long n = SoakService.number(item, 1);
    if (n <= latest[topic]) {
      violations.add(
          Kind.FANOUT,
          name + ": broadcast item " + n + " of topic " + topic + " after " + latest[topic]);
    }
    latest[topic] = Math.max(latest[topic], n);
  }

  private void pipelineItem(Delivery d) {
    int n = (int) ((Number) d.value()).longValue();
    if (worked.get(n)) {
      violations.add(Kind.FANOUT, name + ": pipeline item " + n + " delivered twice");
    }
    worked.set(n);
  }

  @Override
  public void close() {
    sender.close();
    worker.close();
    subscriber.close();
    broadcaster.close();
    broadcastProxy.close();
    pipelineProxy.close();
  }
}
