package io.callosum.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * PNG charts of a run (XChart): P1's ratios to its baseline per in-flight count, and P2's
 * latency percentiles per contender. Both on a logarithmic axis, as the contenders differ by
 * orders of magnitude.
 */
final class Chart {
  private static final int WIDTH = 1100;
  private static final int HEIGHT = 600;

  private Chart() {}

  /** Writes {@code p1-ratios.png} and {@code p2-latency.png} into {@code dir} for the scenarios that ran. */
  static void write(List<Report.Summary> summaries, Path dir) throws IOException {
    System.setProperty("java.awt.headless", "true");
    if (summaries.stream().anyMatch(s -> s.scenario() == Scenario.P1)) {
      save(ratios(summaries), dir.resolve("p1-ratios"));
    }
    if (summaries.stream().anyMatch(s -> s.scenario() == Scenario.P2)) {
      save(latency(summaries), dir.resolve("p2-latency"));
    }
  }

  private static CategoryChart ratios(List<Report.Summary> summaries) {
    Scenario p1 = Scenario.P1;
    CategoryChart chart = chart(p1.title + ": median calls/s ÷ " + p1.baseline + " (higher is better)", "calls in flight",
        "ratio to " + p1.baseline);
    Map<Integer, Double> baseline = new LinkedHashMap<>();
    Map<String, Map<Integer, Double>> byContender = new LinkedHashMap<>();
    for (Report.Summary s : summaries) {
      if (s.scenario() == p1) {
        byContender.computeIfAbsent(s.contender(), c -> new LinkedHashMap<>()).put(s.inFlight(), s.median());
        if (s.contender().equals(p1.baseline)) {
          baseline.put(s.inFlight(), s.median());
        }
      }
    }
    byContender.forEach((contender, medians) -> {
      List<String> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      medians.forEach((inFlight, median) -> {
        Double base = baseline.get(inFlight);
        if (base != null && base > 0 && median > 0) {
          x.add(String.valueOf(inFlight));
          y.add(median / base);
        }
      });
      if (!x.isEmpty()) {
        chart.addSeries(contender, x, y);
      }
    });
    return chart;
  }

  private static CategoryChart latency(List<Report.Summary> summaries) {
    CategoryChart chart = chart(Scenario.P2.title + ": median over rounds (lower is better)", "contender", "µs");
    for (String metric : List.of(Sample.P50, Sample.P99, Sample.P999)) {
      List<String> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (Report.Summary s : summaries) {
        if (s.scenario() == Scenario.P2 && s.metric().equals(metric) && s.median() > 0) {
          x.add(s.contender());
          y.add(s.median());
        }
      }
      if (!x.isEmpty()) {
        chart.addSeries(metric.replace("_us", ""), x, y);
      }
    }
    return chart;
  }

  private static CategoryChart chart(String title, String xTitle, String yTitle) {
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
        .yAxisTitle(yTitle).build();
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setXAxisLabelRotation(20);
    return chart;
  }

  /** Bars start at the axis minimum, which a logarithmic axis must set above zero. */
  private static void save(CategoryChart chart, Path withoutExtension) throws IOException {
    double min = chart.getSeriesMap().values().stream().flatMap(series -> series.getYData().stream())
        .mapToDouble(Number::doubleValue).filter(v -> v > 0).min().orElse(1);
    chart.getStyler().setYAxisMin(min / 2);
    BitmapEncoder.saveBitmap(chart, withoutExtension.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
