/**
 * Client and server spans of Callosum calls after OpenTelemetry's RPC conventions, with the trace
 * context carried in the calls' metadata: {@link io.callosum.opentelemetry.CallosumTracing}. {@code
 * io.callosum.opentelemetry.internal} is not exported.
 */
// opentelemetry-api is an automatic module; its OpenTelemetry is part of this API.
@SuppressWarnings("requires-transitive-automatic")
module io.callosum.opentelemetry {
  requires transitive io.callosum.core;
  requires transitive io.opentelemetry.api;
  requires io.opentelemetry.context;

  exports io.callosum.opentelemetry;
}
