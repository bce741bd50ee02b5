/**
 * Callosum's calls, connections and fan-out losses as Micrometer meters: {@link
 * io.callosum.micrometer.CallosumMetrics}. {@code io.callosum.micrometer.internal} is not exported.
 */
// micrometer-core is an automatic module; its MeterRegistry is part of this API.
@SuppressWarnings("requires-transitive-automatic")
module io.callosum.micrometer {
  requires transitive io.callosum.core;
  requires transitive micrometer.core;

  exports io.callosum.micrometer;
}
