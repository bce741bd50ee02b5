package io.callosum.upper.thrift;

import io.callosum.CallContext;
import io.callosum.Peer;
import io.callosum.upper.thrift.internal.IfaceServer;
import io.callosum.upper.thrift.internal.MethodServer;
import io.callosum.upper.thrift.internal.ProcessorServer;
import io.callosum.upper.thrift.internal.ServiceShape;
import io.callosum.upper.thrift.internal.ThriftMessages;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.thrift.TConfiguration;
import org.apache.thrift.TProcessor;

/**
 * A Thrift service served by a Callosum peer: one handler per method, named {@code Service.method}
 * (e.g. {@code Calc.add}), each reading a Thrift message and answering one.
 *
 * <pre>{@code
 * ThriftService.of(Calc.Iface.class, new CalcImpl()).serveOn(server);               // any compiler
 * ThriftService.ofProcessor(Calc.Iface.class, new Calc.Processor<>(impl)).serveOn(server);
 * }</pre>
 *
 * <p>{@link #of} needs only the generated {@code Iface} and {@code *_args}/{@code *_result}
 * structs, so code from Debian's 0.17 compiler, whose Processor does not compile against current
 * libthrift, can be served. Outcomes as the caller sees them:
 *
 * <ul>
 *   <li>a return value or an exception declared in the IDL: a Thrift reply; the generated client
 *       returns or throws it;
 *   <li>an undeclared exception of the implementation (or a TApplicationException such as
 *       INTERNAL_ERROR from a processor): a {@code RemoteUserException} naming its class;
 *   <li>a malformed request (fuzzed, truncated, wrong message type or name, over the limits): a
 *       {@code RemoteInternalException} with code {@code CODEC_ERROR}; the peer serves on.
 * </ul>
 *
 * Handlers run on the peer's handler executor, concurrently unless the peer's ordering serializes
 * them by order key. Immutable.
 */
public final class ThriftService {
  private static final ThreadLocal<CallContext> CURRENT = new ThreadLocal<>();

  private final ServiceShape shape;
  private final String name;
  private final Object implementation;
  private final TProcessor processor;
  private final TConfiguration configuration;

  private ThriftService(
      ServiceShape shape,
      String name,
      Object implementation,
      TProcessor processor,
      TConfiguration configuration) {
    this.shape = shape;
    this.name = name;
    this.implementation = implementation;
    this.processor = processor;
    this.configuration = configuration;
  }

  /**
   * Serves {@code implementation} of the generated {@code iface} (e.g. {@code Calc.Iface.class}).
   */
  public static <I> ThriftService of(Class<I> iface, I implementation) {
    ServiceShape shape = new ServiceShape(iface);
    return new ThriftService(
        shape,
        shape.name(),
        Objects.requireNonNull(implementation, "implementation"),
        null,
        ThriftMessages.DEFAULT_CONFIGURATION);
  }

  /** Serves through {@code processor}; {@code iface} tells which methods it has. */
  public static ThriftService ofProcessor(Class<?> iface, TProcessor processor) {
    ServiceShape shape = new ServiceShape(iface);
    return new ThriftService(
        shape,
        shape.name(),
        null,
        Objects.requireNonNull(processor, "processor"),
        ThriftMessages.DEFAULT_CONFIGURATION);
  }

  /** The same service under another name on the wire (default: the generated service class's). */
  public ThriftService named(String name) {
    return new ThriftService(
        shape, Objects.requireNonNull(name, "name"), implementation, processor, configuration);
  }

  /** The same service with other Thrift limits for requests (message size, recursion depth). */
  public ThriftService configuration(TConfiguration configuration) {
    return new ThriftService(
        shape,
        name,
        implementation,
        processor,
        Objects.requireNonNull(configuration, "configuration"));
  }

  /** The Callosum method names this service handles, e.g. {@code [Calc.add, Calc.echo]}. */
  public List<String> methods() {
    List<String> out = new ArrayList<>();
    shape.methods().keySet().forEach(m -> out.add(ThriftMessages.wireName(name, m)));
    return out;
  }

  /**
   * Registers a handler per method on {@code peer} (before or after it starts); returns the peer.
   */
  public Peer serveOn(Peer peer) {
    for (ServiceShape.MethodShape m : shape.methods().values()) {
      MethodServer server =
          processor != null
              ? new ProcessorServer(processor, m, configuration)
              : new IfaceServer(implementation, m, configuration);
      peer.handle(
          ThriftMessages.wireName(name, m.method.getName()),
          (ctx, body) -> {
            CallContext outer = CURRENT.get();
            CURRENT.set(ctx);
            try {
              return server.serve(body.bytes());
            } finally {
              CURRENT.set(outer);
            }
          });
    }
    return peer;
  }

  /**
   * The call that the current thread serves, for an implementation that needs more than its
   * arguments: the order key, the caller's identity, cancellation, or {@link CallContext#caller()}
   * to call the client back ({@code ThriftClients.of(ThriftService.currentCall().caller(), ...)}).
   * Only on the thread that runs the implementation; throws {@link IllegalStateException}
   * elsewhere.
   */
  public static CallContext currentCall() {
    CallContext ctx = CURRENT.get();
    if (ctx == null) {
      throw new IllegalStateException("not serving a Thrift call on this thread");
    }
    return ctx;
  }

  @Override
  public String toString() {
    return "ThriftService(" + name + ", " + (processor != null ? "processor" : "Iface") + ")";
  }
}
