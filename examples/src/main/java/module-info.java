import io.callosum.lower.Transport;

/**
 * Runnable examples and the {@code callosum} command-line tool: a demo of two peers in one JVM,
 * {@code serve} / {@code call} commands for trying a lower from the shell, and {@code keygen} for
 * the key pairs of encrypted connections.
 */
module io.callosum.examples {
  requires io.callosum.core;
  requires io.callosum.auth;
  requires io.callosum.lower.zmq;
  requires io.callosum.lower.tcp;
  requires io.callosum.gateway;
  requires io.callosum.upper.protobuf;
  requires io.callosum.upper.thrift;
  requires io.callosum.micrometer;
  requires io.callosum.opentelemetry;
  requires io.opentelemetry.sdk;
  requires io.opentelemetry.sdk.trace;
  requires io.opentelemetry.sdk.testing; // InMemorySpanExporter: example observability
  requires io.opentelemetry.context;
  requires info.picocli;
  requires com.fasterxml.jackson.databind;
  requires me.tongfei.progressbar;
  requires static com.google.errorprone.annotations; // @FormatMethod: compile time only

  // picocli reads and sets the annotated command fields reflectively.
  opens io.callosum.examples to
      info.picocli;

  // protobuf-java reads the generated demo messages reflectively.
  opens io.callosum.examples.uppers.proto to
      com.google.protobuf;

  uses Transport;
}
