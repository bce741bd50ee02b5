package io.callosum.opentelemetry.internal;

import io.callosum.Metadata;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * Call metadata as the carrier of OpenTelemetry's text-map propagators (W3C {@code traceparent} and
 * {@code tracestate}, baggage): written into an outgoing call's metadata, read from an incoming
 * call's. Only string entries are read. Stateless.
 */
public final class MetadataCarrier {
  private MetadataCarrier() {}

  /** Puts a propagator's field into outgoing metadata. */
  public static final TextMapSetter<Metadata.Builder> SETTER =
      (carrier, key, value) -> {
        if (carrier != null) {
          carrier.put(key, value);
        }
      };

  /** Reads a propagator's field from incoming metadata. */
  public static final TextMapGetter<Metadata> GETTER =
      (carrier, key) -> carrier == null ? null : carrier.get(key);
}
