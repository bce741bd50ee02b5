package io.callosum.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of a run (XChart): P1's ratios to its baseline per in-flight count, P2's latency
 * percentiles per contender, the latency distribution (HdrHistogram percentiles) of every scenario
 * that times events (P2, P4), and the first figure of P3–P7 per contender, with its ratio to the
 * baseline. On a logarithmic axis, as the contenders differ by orders of magnitude.
 */
final class Chart {
  private static final int WIDTH = 1100;
  private static final int HEIGHT = 600;

  private Chart() {}

  /**
   * Writes {@code p1-ratios.png}, {@code p2-latency.png}, {@code pN-distribution.png} and {@code
   * pN-figures.png} into {@code dir} for the scenarios that ran.
   */
  static void write(
      List<Report.Summary> summaries, Map<Scenario, Map<String, Histogram>> histograms, Path dir)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    for (var entry : histograms.entrySet()) {
      String name = entry.getKey().name().toLowerCase(Locale.ROOT);
      BitmapEncoder.saveBitmap(
          distribution(entry.getKey(), entry.getValue()),
          dir.resolve(name + "-distribution").toString(),
          BitmapEncoder.BitmapFormat.PNG);
    }
    for (Scenario scenario : Scenario.values()) {
      if (scenario.metric == Scenario.Metric.FIGURES
          && summaries.stream().anyMatch(s -> s.scenario() == scenario)) {
        save(
            figures(scenario, summaries),
            dir.resolve(scenario.name().toLowerCase(Locale.ROOT) + "-figures"));
      }
    }
    if (summaries.stream().anyMatch(s -> s.scenario() == Scenario.P1)) {
      save(ratios(summaries), dir.resolve("p1-ratios"));
    }
    if (summaries.stream().anyMatch(s -> s.scenario() == Scenario.P2)) {
      save(latency(summaries), dir.resolve("p2-latency"));
    }
  }

  private static CategoryChart ratios(List<Report.Summary> summaries) {
    Scenario p1 = Scenario.P1;
    CategoryChart chart =
        chart(
            p1.title + ": median calls/s ÷ " + p1.baseline + " (higher is better)",
            "calls in flight",
            "ratio to " + p1.baseline);
    Map<Integer, Double> baseline = new LinkedHashMap<>();
    Map<String, Map<Integer, Double>> byContender = new LinkedHashMap<>();
    for (Report.Summary s : summaries) {
      if (s.scenario() == p1 && s.metric().equals(Sample.CALLS_PER_SECOND)) {
        byContender
            .computeIfAbsent(s.contender(), c -> new LinkedHashMap<>())
            .put(s.inFlight(), s.median());
        if (s.contender().equals(p1.baseline)) {
          baseline.put(s.inFlight(), s.median());
        }
      }
    }
    byContender.forEach(
        (contender, medians) -> {
          List<String> x = new ArrayList<>();
          List<Double> y = new ArrayList<>();
          medians.forEach(
              (inFlight, median) -> {
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
    CategoryChart chart =
        chart(Scenario.P2.title + ": median over rounds (lower is better)", "contender", "µs");
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

  /**
   * Latency by percentile, HdrHistogram style: x is 1/(1 − percentile) on a logarithmic axis, so 90
   * %, 99 %, 99.9 % are evenly spaced; y is the latency in µs (logarithmic).
   */
  private static XYChart distribution(Scenario scenario, Map<String, Histogram> byContender) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(
                scenario.title + ": latency by percentile, all measured rounds (lower is better)")
            .xAxisTitle("percentile (x = 1/(1 - p): 10 = p90, 100 = p99, 1000 = p99.9)")
            .yAxisTitle("µs")
            .build();
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setMarkerSize(0);
    byContender.forEach(
        (contender, histogram) -> {
          List<Double> x = new ArrayList<>();
          List<Double> y = new ArrayList<>();
          for (HistogramIterationValue v : histogram.percentiles(5)) {
            double p = v.getPercentileLevelIteratedTo() / 100.0;
            if (p >= 0.99999) {
              break;
            }
            x.add(1 / (1 - p));
            y.add(Math.max(histogram.highestEquivalentValue(v.getValueIteratedTo()) / 1e3, 0.001));
          }
          if (!x.isEmpty()) {
            XYSeries series = chart.addSeries(contender, x, y);
            series.setMarker(SeriesMarkers.NONE);
          }
        });
    return chart;
  }

  /**
   * The first figure of a P3–P7 scenario per contender (median over rounds), with its ratio to the
   * baseline.
   */
  private static CategoryChart figures(Scenario scenario, List<Report.Summary> summaries) {
    String figure = scenario.figures.get(0);
    Double base =
        summaries.stream()
            .filter(
                s ->
                    s.scenario() == scenario
                        && s.metric().equals(figure)
                        && s.contender().equals(scenario.baseline))
            .map(Report.Summary::median)
            .findFirst()
            .orElse(null);
    CategoryChart chart =
        chart(
            scenario.title,
            "contender" + (base == null ? "" : " (ratio to " + scenario.baseline + ")"),
            figure
                + ", median over rounds ("
                + (scenario.higherIsBetter ? "higher" : "lower")
                + " is better)");
    List<String> x = new ArrayList<>();
    List<Double> y = new ArrayList<>();
    for (Report.Summary s : summaries) {
      if (s.scenario() == scenario && s.metric().equals(figure) && s.median() > 0) {
        x.add(
            base == null || base <= 0
                ? s.contender()
                : String.format(Locale.ROOT, "%s (%.2fx)", s.contender(), s.median() / base));
        y.add(s.median());
      }
    }
    if (!x.isEmpty()) {
      chart.addSeries(figure, x, y);
    }
    chart.getStyler().setLegendVisible(false);
    return chart;
  }

  private static CategoryChart chart(String title, String xTitle, String yTitle) {
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(xTitle)
            .yAxisTitle(yTitle)
            .build();
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setXAxisLabelRotation(20);
    return chart;
  }

  /**
   * Bars start at the axis minimum, which a logarithmic axis must set above zero. A chart with
   * nothing to show (its baseline did not run, say) is not written.
   */
  private static void save(CategoryChart chart, Path withoutExtension) throws IOException {
    if (chart.getSeriesMap().isEmpty()) {
      return;
    }
    double min =
        chart.getSeriesMap().values().stream()
            .flatMap(series -> series.getYData().stream())
            .mapToDouble(Number::doubleValue)
            .filter(v -> v > 0)
            .min()
            .orElse(1);
    chart.getStyler().setYAxisMin(min / 2);
    BitmapEncoder.saveBitmap(chart, withoutExtension.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
