package io.callosum.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.HdrHistogram.Histogram;

/**
 * The figures of one run: the raw samples, their per-contender summary (median, min, max over
 * rounds), the Markdown table with ratios to each scenario's baseline, and the CSV/JSON files.
 */
final class Report {
  /** Median and spread of one metric of one contender in one case, over the measured rounds. */
  record Summary(
      Scenario scenario,
      int inFlight,
      String contender,
      String metric,
      int rounds,
      double median,
      double min,
      double max) {}

  private final List<Sample> samples = new ArrayList<>();
  private final Map<Scenario, Map<String, String>> skipped = new LinkedHashMap<>();

  /** Per scenario, what the reader must know about some figures. */
  private final Map<Scenario, List<String>> notes = new LinkedHashMap<>();

  /** Per scenario, the contenders whose every part ran in the harness JVM. */
  private final Map<Scenario, Set<String>> sameJvm = new LinkedHashMap<>();

  private final boolean allInOneJvm;

  /** Every timed event of a contender in a scenario, all measured rounds together (ns). */
  private final Map<Scenario, Map<String, Histogram>> histograms = new LinkedHashMap<>();

  private final String machine;

  /**
   * @param allInOneJvm {@code --same-jvm}: every serving side ran in the harness
   */
  Report(String machine, boolean allInOneJvm) {
    this.machine = machine;
    this.allInOneJvm = allInOneJvm;
  }

  /** Notes where {@code contender} ran: all in the harness JVM, or with worker processes. */
  void placed(Scenario scenario, String contender, boolean inHarness) {
    Set<String> names = sameJvm.computeIfAbsent(scenario, s -> new LinkedHashSet<>());
    if (inHarness) {
      names.add(contender);
    }
  }

  /** The name as the tables show it: marked when it ran in one JVM while the others did not. */
  private String label(Scenario scenario, String contender) {
    return !allInOneJvm && sameJvm.getOrDefault(scenario, Set.of()).contains(contender)
        ? contender + " (same JVM)"
        : contender;
  }

  void add(Sample sample) {
    samples.add(sample);
  }

  void addHistogram(Scenario scenario, String contender, Histogram histogram) {
    histograms
        .computeIfAbsent(scenario, k -> new LinkedHashMap<>())
        .computeIfAbsent(contender, k -> new Histogram(histogram.getHighestTrackableValue(), 3))
        .add(histogram);
  }

  Map<Scenario, Map<String, Histogram>> histograms() {
    return histograms;
  }

  void note(Scenario scenario, String text) {
    notes.computeIfAbsent(scenario, s -> new ArrayList<>()).add(text);
  }

  void skip(Scenario scenario, String contender, String reason) {
    skipped.computeIfAbsent(scenario, s -> new LinkedHashMap<>()).put(contender, reason);
  }

  List<Sample> samples() {
    return List.copyOf(samples);
  }

  List<Summary> summaries() {
    Map<List<Object>, List<Double>> groups = new LinkedHashMap<>();
    for (Sample s : samples) {
      groups
          .computeIfAbsent(
              List.of(s.scenario(), s.inFlight(), s.contender(), s.metric()),
              k -> new ArrayList<>())
          .add(s.value());
    }
    List<Summary> result = new ArrayList<>();
    groups.forEach(
        (key, values) -> {
          double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
          int n = sorted.length;
          double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
          result.add(
              new Summary(
                  (Scenario) key.get(0),
                  (Integer) key.get(1),
                  (String) key.get(2),
                  (String) key.get(3),
                  n,
                  median,
                  sorted[0],
                  sorted[n - 1]));
        });
    return result;
  }

  private Optional<Summary> find(
      List<Summary> all, Scenario scenario, int inFlight, String contender, String metric) {
    return all.stream()
        .filter(
            s ->
                s.scenario() == scenario
                    && s.inFlight() == inFlight
                    && s.contender().equals(contender)
                    && s.metric().equals(metric))
        .findFirst();
  }

  /** The Markdown tables: one per scenario, ratios of medians to the scenario's baseline. */
  void printMarkdown(PrintStream out) {
    List<Summary> all = summaries();
    out.println("Machine: " + machine);
    out.println();
    out.println(
        allInOneJvm
            ? "Processes: every client and serving side in this one JVM (--same-jvm): peers share"
                + " the JVM's transports."
            : "Processes: each contender's serving side in a worker JVM of its own (Redis:"
                + " redis-server), the clients in the harness JVM; \"(same JVM)\" marks the"
                + " contenders that run entirely in the harness.");
    for (Scenario scenario : Scenario.values()) {
      if (all.stream().noneMatch(s -> s.scenario() == scenario) && !skipped.containsKey(scenario)) {
        continue;
      }
      out.println();
      out.println(
          "### "
              + scenario.title
              + (scenario.baseline == null ? "" : " (baseline: " + scenario.baseline + ")"));
      out.println();
      if (scenario.metric == Scenario.Metric.FIGURES) {
        printFigures(out, all, scenario);
      } else if (scenario.metric == Scenario.Metric.CALLS_PER_SECOND) {
        out.println(
            "Ratio = median calls/s ÷ baseline's median calls/s in the same case (higher is"
                + " better).");
        out.println();
        out.println(COST_NOTE);
        out.println();
        out.println(
            "| in flight | contender | calls/s median | min | max | ratio | CPU µs/call (server) |"
                + " switches/call (server) |");
        out.println("|---:|---|---:|---:|---:|---:|---:|---:|");
        for (int inFlight : scenario.inFlight) {
          Optional<Summary> base =
              find(all, scenario, inFlight, scenario.baseline, Sample.CALLS_PER_SECOND);
          for (Summary s : all) {
            if (s.scenario() == scenario
                && s.inFlight() == inFlight
                && s.metric().equals(Sample.CALLS_PER_SECOND)) {
              out.printf(
                  Locale.ROOT,
                  "| %d | %s | %.0f | %.0f | %.0f | %s | %s | %s |%n",
                  inFlight,
                  label(scenario, s.contender()),
                  s.median(),
                  s.min(),
                  s.max(),
                  ratio(s, base),
                  cost(
                      all,
                      scenario,
                      inFlight,
                      s.contender(),
                      CallCost.CPU,
                      CallCost.SERVER_CPU,
                      "%.1f"),
                  cost(
                      all,
                      scenario,
                      inFlight,
                      s.contender(),
                      CallCost.SWITCHES,
                      CallCost.SERVER_SWITCHES,
                      "%.2f"));
            }
          }
        }
      } else {
        out.println(
            "Round trip of one call at a time, µs; median over rounds of each round's percentile,"
                + " p50 min–max over rounds; ratio = median ÷ baseline's median (lower is"
                + " better).");
        out.println();
        out.println(COST_NOTE);
        out.println();
        out.println(
            "| contender | p50 µs | p50 min–max | p99 µs | p99.9 µs | p50 ratio | p99 ratio | CPU"
                + " µs/call (server) | switches/call (server) |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        Optional<Summary> base50 = find(all, scenario, 1, scenario.baseline, Sample.P50);
        Optional<Summary> base99 = find(all, scenario, 1, scenario.baseline, Sample.P99);
        for (Summary s : all) {
          if (s.scenario() == scenario && s.metric().equals(Sample.P50)) {
            Summary p99 = find(all, scenario, 1, s.contender(), Sample.P99).orElseThrow();
            Summary p999 = find(all, scenario, 1, s.contender(), Sample.P999).orElseThrow();
            out.printf(
                Locale.ROOT,
                "| %s | %.1f | %.1f–%.1f | %.1f | %.1f | %s | %s | %s | %s |%n",
                label(scenario, s.contender()),
                s.median(),
                s.min(),
                s.max(),
                p99.median(),
                p999.median(),
                ratio(s, base50),
                ratio(p99, base99),
                cost(all, scenario, 1, s.contender(), CallCost.CPU, CallCost.SERVER_CPU, "%.1f"),
                cost(
                    all,
                    scenario,
                    1,
                    s.contender(),
                    CallCost.SWITCHES,
                    CallCost.SERVER_SWITCHES,
                    "%.2f"));
          }
        }
      }
      skipped
          .getOrDefault(scenario, Map.of())
          .forEach(
              (contender, reason) ->
                  out.println("| skipped: " + contender + " | " + reason.replace('|', '/') + " |"));
      List<String> scenarioNotes = notes.getOrDefault(scenario, List.of());
      if (!scenarioNotes.isEmpty()) {
        out.println();
        scenarioNotes.forEach(note -> out.println("- " + note));
      }
    }
  }

  private static final String COST_NOTE =
      "CPU µs/call = CPU time of the harness and the contender's worker processes together per"
          + " call; switches/call = their threads' voluntary context switches per call (thread"
          + " wake-ups); in parentheses the worker (server) processes' part; medians over rounds.";

  /**
   * A FIGURES table: each figure's median (min–max) per contender, and the ratios of {@link
   * Scenario#ratioFigures}.
   */
  private void printFigures(PrintStream out, List<Summary> all, Scenario scenario) {
    out.println(scenario.note);
    out.println();
    StringBuilder head = new StringBuilder("| contender |");
    StringBuilder rule = new StringBuilder("|---|");
    for (String figure : scenario.figures) {
      head.append(' ').append(figure).append(" median | min–max |");
      rule.append("---:|---:|");
    }
    List<String> ratioFigures = scenario.baseline == null ? List.of() : scenario.ratioFigures();
    boolean severalBaselines =
        all.stream()
                .filter(s -> s.scenario() == scenario)
                .map(s -> scenario.baselineOf(s.contender()))
                .distinct()
                .count()
            > 1;
    for (String figure : ratioFigures) {
      head.append(ratioFigures.size() == 1 ? " ratio |" : " ratio " + figure + " |");
      rule.append("---:|");
    }
    if (severalBaselines) {
      head.append(" against |");
      rule.append("---|");
    }
    out.println(head);
    out.println(rule);
    String first = scenario.figures.get(0);
    for (Summary s : all) {
      if (s.scenario() != scenario || !s.metric().equals(first)) {
        continue;
      }
      StringBuilder row =
          new StringBuilder("| ").append(label(scenario, s.contender())).append(" |");
      for (String figure : scenario.figures) {
        Optional<Summary> f = find(all, scenario, 1, s.contender(), figure);
        row.append(
            f.map(
                    v ->
                        " "
                            + figure(v.median())
                            + " | "
                            + figure(v.min())
                            + "–"
                            + figure(v.max())
                            + " |")
                .orElse(" | |"));
      }
      String baseline = scenario.baselineOf(s.contender());
      for (String figure : ratioFigures) {
        Optional<Summary> mine = find(all, scenario, 1, s.contender(), figure);
        Optional<Summary> base = find(all, scenario, 1, baseline, figure);
        row.append(' ').append(mine.map(v -> ratio(v, base)).orElse("n/a")).append(" |");
      }
      if (severalBaselines) {
        row.append(' ').append(baseline).append(" |");
      }
      out.println(row);
    }
  }

  /** {@code total (server)} of a cost figure, as the tables show it. */
  private String cost(
      List<Summary> all,
      Scenario scenario,
      int inFlight,
      String contender,
      String total,
      String server,
      String format) {
    String t =
        find(all, scenario, inFlight, contender, total)
            .map(v -> String.format(Locale.ROOT, format, v.median()))
            .orElse("n/a");
    String w =
        find(all, scenario, inFlight, contender, server)
            .map(v -> String.format(Locale.ROOT, format, v.median()))
            .orElse("–");
    return t + " (" + w + ")";
  }

  /** Three significant digits at least, no exponent. */
  private static String figure(double value) {
    double magnitude = Math.abs(value);
    String format =
        magnitude >= 100 ? "%.0f" : magnitude >= 10 ? "%.1f" : magnitude >= 1 ? "%.2f" : "%.3f";
    return String.format(Locale.ROOT, format, value);
  }

  private static String ratio(Summary s, Optional<Summary> base) {
    return base.filter(b -> b.median() > 0)
        .map(b -> String.format(Locale.ROOT, "%.2f", s.median() / b.median()))
        .orElse("n/a");
  }

  /**
   * Writes {@code results.csv}, {@code results.json}, {@code report.md} and the PNG charts into
   * {@code dir}.
   */
  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    StringBuilder csv = new StringBuilder("scenario,in_flight,contender,round,metric,value\n");
    for (Sample s : samples) {
      csv.append(s.scenario())
          .append(',')
          .append(s.inFlight())
          .append(',')
          .append(s.contender())
          .append(',')
          .append(s.round())
          .append(',')
          .append(s.metric())
          .append(',')
          .append(number(s.value()))
          .append('\n');
    }
    Files.writeString(dir.resolve("results.csv"), csv, StandardCharsets.UTF_8);

    StringBuilder json =
        new StringBuilder("{\n  \"machine\": ")
            .append(quote(machine))
            .append(",\n  \"same_jvm\": {");
    String comma = "";
    for (Scenario scenario : Scenario.values()) {
      if (sameJvm.containsKey(scenario)) {
        json.append(comma).append(quote(scenario.name())).append(": [");
        json.append(String.join(", ", sameJvm.get(scenario).stream().map(Report::quote).toList()));
        json.append(']');
        comma = ", ";
      }
    }
    json.append("},\n  \"all_in_one_jvm\": ").append(allInOneJvm).append(",\n  \"samples\": [");
    String separator = "\n";
    for (Sample s : samples) {
      json.append(separator)
          .append("    {\"scenario\": ")
          .append(quote(s.scenario().name()))
          .append(", \"in_flight\": ")
          .append(s.inFlight())
          .append(", \"contender\": ")
          .append(quote(s.contender()))
          .append(", \"round\": ")
          .append(s.round())
          .append(", \"metric\": ")
          .append(quote(s.metric()))
          .append(", \"value\": ")
          .append(number(s.value()))
          .append('}');
      separator = ",\n";
    }
    json.append("\n  ],\n  \"summary\": [");
    separator = "\n";
    for (Summary s : summaries()) {
      json.append(separator)
          .append("    {\"scenario\": ")
          .append(quote(s.scenario().name()))
          .append(", \"in_flight\": ")
          .append(s.inFlight())
          .append(", \"contender\": ")
          .append(quote(s.contender()))
          .append(", \"metric\": ")
          .append(quote(s.metric()))
          .append(", \"rounds\": ")
          .append(s.rounds())
          .append(", \"median\": ")
          .append(number(s.median()))
          .append(", \"min\": ")
          .append(number(s.min()))
          .append(", \"max\": ")
          .append(number(s.max()))
          .append('}');
      separator = ",\n";
    }
    json.append("\n  ]\n}\n");
    Files.writeString(dir.resolve("results.json"), json, StandardCharsets.UTF_8);

    try (PrintStream md =
        new PrintStream(
            Files.newOutputStream(dir.resolve("report.md")), false, StandardCharsets.UTF_8)) {
      printMarkdown(md);
    }
    for (var scenario : histograms.entrySet()) {
      for (var contender : scenario.getValue().entrySet()) {
        // HdrHistogram's percentile distribution (.hgrm), in µs, as its plotter reads it
        try (PrintStream hgrm =
            new PrintStream(
                Files.newOutputStream(
                    dir.resolve(
                        scenario.getKey().name().toLowerCase(Locale.ROOT)
                            + "-"
                            + contender.getKey()
                            + ".hgrm")),
                false,
                StandardCharsets.UTF_8)) {
          contender.getValue().outputPercentileDistribution(hgrm, 1000.0);
        }
      }
    }
    Chart.write(summaries(), histograms, dir);
  }

  private static String number(double value) {
    return String.format(Locale.ROOT, "%.3f", value);
  }

  private static String quote(String text) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
