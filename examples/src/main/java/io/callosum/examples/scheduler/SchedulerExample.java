package io.callosum.examples.scheduler;

import io.callosum.CallosumException;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.examples.ChildProcesses;
import io.callosum.examples.ExampleFailure;
import io.callosum.fanout.BroadcastReceiver;
import io.callosum.fanout.Delivery;
import io.callosum.upper.MsgpackServices;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * {@code callosum example scheduler}: a requester-side scheduler. The command starts worker
 * processes, which broadcast their free capacity; the requester sends each call to the worker with
 * the most free capacity by those adverts, then makes the same number of calls round robin over the
 * same workers, and prints calls/s, tail latency and the calls each worker served for both.
 */
public final class SchedulerExample {
  /** Calls a worker runs at once. */
  public static final int SLOTS = 4;

  /** How long a call takes on the fast half of the workers and on the slow half. */
  static final long FAST_MILLIS = 1;

  static final long SLOW_MILLIS = 4;

  private static final Duration START = Duration.ofSeconds(60);

  private SchedulerExample() {}

  /** A worker's time per call: the first half (rounded up) is fast, the rest slow. */
  static long millisOf(int worker, int workers) {
    return worker < (workers + 1) / 2 ? FAST_MILLIS : SLOW_MILLIS;
  }

  /**
   * Runs the example with {@code workers} worker processes: {@code warmUp} calls by each policy,
   * not counted, then {@code rounds} rounds of {@code calls} calls by each, measured; prints the
   * median round of each.
   */
  public static void run(PrintWriter out, int workers, int calls, int warmUp, int rounds)
      throws ExampleFailure, InterruptedException {
    List<ConnectedPeer> peers = new ArrayList<>();
    try (ChildProcesses children = new ChildProcesses("scheduler");
        BroadcastReceiver adverts =
            BroadcastReceiver.builder()
                .bind("tcp://127.0.0.1:0")
                .topics(Jobs.ADVERTS)
                .queueCapacity(10_000)
                .build()) {
      // The requester's thread takes the adverts itself (no handler thread in between).
      CapacityBoard board =
          new CapacityBoard(
              workers,
              timeout -> {
                Delivery d = adverts.poll(timeout);
                return d == null ? null : d.as(Jobs.Capacity.class);
              });
      List<ChildProcesses.Child> started = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        started.add(
            children.start(
                "worker " + w,
                Worker.class,
                List.of(
                    Integer.toString(w),
                    Long.toString(millisOf(w, workers)),
                    Integer.toString(SLOTS),
                    adverts.address())));
      }
      out.printf(
          "%d worker processes, each running %d calls at a time; %s%n",
          workers, SLOTS, speeds(workers));
      List<Jobs> stubs = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        ChildProcesses.Child child = started.get(w);
        String address = child.awaitReady(START);
        out.printf(
            "  worker %d  pid %d  %s  %d ms a call%n",
            w, child.pid(), address, millisOf(w, workers));
        ConnectedPeer peer =
            Peer.builder()
                .name("requester-" + w)
                .directExecutor() // replies only count and time: done on the I/O thread
                .connect(address)
                .build()
                .start();
        peers.add(peer);
        stubs.add(MsgpackServices.client(peer, Jobs.class).withTimeout(Requester.WAIT).stub());
      }
      out.printf("Adverts of free capacity go to %s after every call%n", adverts.address());
      out.flush();
      board.awaitEveryWorker(START);

      Requester requester = new Requester(stubs, board, SLOTS * workers);
      if (warmUp > 0) {
        requester.run(Requester.Policy.BY_CAPACITY, warmUp);
        requester.run(Requester.Policy.ROUND_ROBIN, warmUp);
        out.printf(Locale.ROOT, "Warm-up: %,d calls by each policy (not counted)%n", warmUp);
      }
      List<Outcome> byCapacity = new ArrayList<>();
      List<Outcome> roundRobin = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        // Each round measures both policies, the first of them in turn: neither always goes first.
        if (r % 2 == 0) {
          byCapacity.add(requester.run(Requester.Policy.BY_CAPACITY, calls));
          roundRobin.add(requester.run(Requester.Policy.ROUND_ROBIN, calls));
        } else {
          roundRobin.add(requester.run(Requester.Policy.ROUND_ROBIN, calls));
          byCapacity.add(requester.run(Requester.Policy.BY_CAPACITY, calls));
        }
      }
      print(out, workers, byCapacity, roundRobin);
    } catch (IOException | TimeoutException | CallosumException e) {
      throw new ExampleFailure(e.getMessage(), e);
    } finally {
      peers.forEach(Peer::close);
    }
  }

  private static String speeds(int workers) {
    int fast = (workers + 1) / 2;
    if (fast == workers) {
      return "each takes " + FAST_MILLIS + " ms a call";
    }
    return String.format(
        "%s take %d ms a call, %s %d ms",
        range(0, fast - 1), FAST_MILLIS, range(fast, workers - 1), SLOW_MILLIS);
  }

  private static String range(int from, int to) {
    return from == to ? "worker " + from : "workers " + from + "-" + to;
  }

  private static void print(
      PrintWriter out, int workers, List<Outcome> byCapacity, List<Outcome> roundRobin) {
    Outcome a = median(byCapacity);
    Outcome b = median(roundRobin);
    out.println();
    String head =
        String.format(Locale.ROOT, "%,d calls, at most %d in flight", a.calls, SLOTS * workers);
    out.printf("%-38s %14s %14s%n", head, a.policy.label, b.policy.label);
    row(out, "  total time (ms)", "%.0f", a.millis(), b.millis());
    row(out, "  calls/s", "%,.0f", a.callsPerSecond(), b.callsPerSecond());
    row(out, "  latency p50 (ms)", "%.1f", a.latencyMillis(0.5), b.latencyMillis(0.5));
    row(out, "  latency p99 (ms)", "%.1f", a.latencyMillis(0.99), b.latencyMillis(0.99));
    row(out, "  latency max (ms)", "%.1f", a.latencyMillis(1), b.latencyMillis(1));
    for (int w = 0; w < workers; w++) {
      row(
          out,
          String.format("  calls on worker %d (%d ms)", w, millisOf(w, workers)),
          "%,d",
          a.served(w),
          b.served(w));
    }
    if (byCapacity.size() > 1) {
      out.printf(
          "Rounds (ms; the table shows the median round of each): %s %s; %s %s%n",
          a.policy.label, times(byCapacity), b.policy.label, times(roundRobin));
    }
    out.printf(
        Locale.ROOT,
        "%s: %,d calls in %.0f ms, %.2f of %s's %.0f ms%n",
        capitalized(a.policy.label),
        a.calls,
        a.millis(),
        a.millis() / b.millis(),
        b.policy.label,
        b.millis());
    out.flush();
  }

  /** The round of median total time. */
  private static Outcome median(List<Outcome> rounds) {
    List<Outcome> sorted = new ArrayList<>(rounds);
    sorted.sort(Comparator.comparingLong(o -> o.nanos));
    return sorted.get(sorted.size() / 2);
  }

  private static String times(List<Outcome> rounds) {
    return rounds.stream()
        .map(o -> String.format(Locale.ROOT, "%.0f", o.millis()))
        .collect(Collectors.joining(", "));
  }

  private static void row(PrintWriter out, String label, String format, Object a, Object b) {
    out.printf(
        Locale.ROOT,
        "%-38s %14s %14s%n",
        label,
        String.format(Locale.ROOT, format, a),
        String.format(Locale.ROOT, format, b));
  }

  private static String capitalized(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
