package io.callosum.upper.thrift;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.callosum.CodecException;
import io.callosum.Payload;
import io.callosum.testing.FuzzSeeds;
import io.callosum.testing.ThreadAllocation;
import io.callosum.upper.thrift.internal.IfaceServer;
import io.callosum.upper.thrift.internal.ServiceShape;
import io.callosum.upper.thrift.internal.ThriftMessages;
import io.callosum.upper.thrift.testgen.Calc;
import io.callosum.upper.thrift.testgen.CalcError;
import io.callosum.upper.thrift.testgen.Pair;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.TConfiguration;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.transport.TMemoryBuffer;
import org.junit.jupiter.api.Test;

/**
 * Fuzz targets of Thrift bodies a remote sends (docs/FUZZING.md), for each method of the test
 * service {@code Calc}: a request as {@link IfaceServer} serves it, and a reply as the generated
 * client reads it (header, exception or result struct). A request fails only with {@link
 * CodecException}, or with what the service itself throws (IfaceServer throws it on); a reply only
 * with {@link TException}. Both allocate at most a bound linear in the input and the limits; a
 * served reply is one the client reads.
 */
class ThriftFuzzTest {
  private static final TConfiguration LIMITS = new TConfiguration(64 << 10, 64 << 10, 64);
  private static final ServiceShape SHAPE = new ServiceShape(Calc.Iface.class);
  private static final List<String> METHODS = new ArrayList<>(SHAPE.methods().keySet());

  /** The test service, whose own runtime exceptions come out as {@link ServiceFailure}s. */
  private static final Calc.Iface SERVICE =
      (Calc.Iface)
          Proxy.newProxyInstance(
              Calc.Iface.class.getClassLoader(),
              new Class<?>[] {Calc.Iface.class},
              new InvocationHandler() {
                private final CalcService calc = new CalcService();

                @Override
                public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
                  try {
                    return method.invoke(calc, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause() instanceof RuntimeException r
                        ? new ServiceFailure(r)
                        : e.getCause();
                  }
                }
              });

  /** A runtime exception of the service's own. */
  static final class ServiceFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ServiceFailure(RuntimeException cause) {
      super(cause);
    }
  }

  /** First byte: the method; the rest: its request. */
  @FuzzTest
  void request(byte[] data) throws Exception {
    if (data.length == 0) {
      return;
    }
    String name = METHODS.get((data[0] & 0xff) % METHODS.size());
    if (name.equals("sleep")) {
      return; // the test service sleeps as long as it is asked
    }
    byte[] request = java.util.Arrays.copyOfRange(data, 1, data.length);
    IfaceServer server = new IfaceServer(SERVICE, SHAPE.methods().get(name), LIMITS);
    Payload[] reply = new Payload[1];
    try {
      ThreadAllocation.atMost(
          (256 << 10) + 64L * request.length,
          "serving " + name,
          () -> reply[0] = server.serve(request));
    } catch (CodecException e) {
      return;
    } catch (ServiceFailure e) {
      // Thrown by the service itself, which IfaceServer throws on (undeclared throws; an argument
      // that the request leaves out arrives as null, as with a generated Processor).
      return;
    }
    if (!SHAPE
        .methods()
        .get(name)
        .oneway()) { // what the server writes, the client reads, with the request's sequence id
      assertEquals(ThriftMessages.header(LIMITS, request).seqid, receive(name, reply[0].bytes()));
    }
  }

  /** First byte: the method; the rest: a reply to it. */
  @FuzzTest
  void reply(byte[] data) throws Exception {
    if (data.length == 0) {
      return;
    }
    String name = METHODS.get((data[0] & 0xff) % METHODS.size());
    if (SHAPE.methods().get(name).oneway()) {
      return;
    }
    byte[] reply = java.util.Arrays.copyOfRange(data, 1, data.length);
    try {
      ThreadAllocation.atMost(
          (256 << 10) + 64L * reply.length,
          "reading a reply of " + name,
          () -> receive(name, reply));
    } catch (TException e) {
      // documented: a malformed reply, a TApplicationException, or the declared CalcError
    }
  }

  /**
   * Reads {@code reply} as the generated client does ({@code receiveBase}): the message header, an
   * exception or the method's result struct, the message end. Returns the header's sequence id.
   */
  private static int receive(String name, byte[] reply) throws Exception {
    TProtocol in = ThriftMessages.reader(LIMITS, reply);
    TMessage header = in.readMessageBegin();
    if (header.type == TMessageType.EXCEPTION) {
      throw TApplicationException.readFrom(in);
    }
    if (header.type != TMessageType.REPLY || !header.name.equals(name)) {
      throw new TApplicationException(
          TApplicationException.INVALID_MESSAGE_TYPE, "not a reply of " + name);
    }
    org.apache.thrift.TBase<?, ?> result =
        (org.apache.thrift.TBase<?, ?>)
            SHAPE.methods().get(name).result.getConstructor().newInstance();
    result.read(in);
    in.readMessageEnd();
    return header.seqid;
  }

  private static byte[] call(String name, org.apache.thrift.TBase<?, ?> args, byte type)
      throws TException {
    TMemoryBuffer out = ThriftMessages.buffer(LIMITS);
    TProtocol p = ThriftMessages.protocol(out);
    p.writeMessageBegin(new TMessage(name, type, 1));
    args.write(p);
    p.writeMessageEnd();
    return java.util.Arrays.copyOf(out.getArray(), out.length());
  }

  @Test
  void seeds() throws Exception {
    Map<String, byte[]> requests = new LinkedHashMap<>();
    Map<String, byte[]> replies = new LinkedHashMap<>();
    add(requests, "echo", call("echo", new Calc.echo_args("hi"), TMessageType.CALL));
    add(
        requests,
        "sum",
        call("sum", new Calc.sum_args(List.of(new Pair(1, 2), new Pair(3, 4))), TMessageType.CALL));
    add(requests, "divide", call("divide", new Calc.divide_args(1, 0), TMessageType.CALL));
    add(replies, "echo", call("echo", new Calc.echo_result().setSuccess("hi"), TMessageType.REPLY));
    add(
        replies,
        "divide",
        call(
            "divide",
            new Calc.divide_result().setError(new CalcError("no", 1)),
            TMessageType.REPLY));
    FuzzSeeds.check(getClass(), Map.of("request", requests, "reply", replies));
  }

  private static void add(Map<String, byte[]> seeds, String method, byte[] body) {
    byte[] b = new byte[body.length + 1];
    b[0] = (byte) METHODS.indexOf(method);
    System.arraycopy(body, 0, b, 1, body.length);
    seeds.put(method, b);
  }
}
