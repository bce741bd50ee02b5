package io.callosum.upper.thrift;

import io.callosum.upper.thrift.testgen.Calc;
import io.callosum.upper.thrift.testgen.CalcError;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.thrift.ProcessFunction;
import org.apache.thrift.TBase;
import org.apache.thrift.TBaseProcessor;
import org.apache.thrift.TException;

/**
 * A TProcessor for part of Calc built as a current (0.21+) Thrift compiler's Processor is, from one
 * {@link ProcessFunction} per method, standing in for the Processor the 0.17 compiler's code cannot
 * provide. It lacks {@code add} on purpose.
 */
final class CalcProcessor extends TBaseProcessor<Calc.Iface> {
  @SuppressWarnings("rawtypes") // TBaseProcessor's constructor takes raw TBase bounds
  CalcProcessor(Calc.Iface iface) {
    super(
        iface,
        Map.<String, ProcessFunction<Calc.Iface, ? extends TBase, ? extends TBase>>of(
            "echo",
                function(
                    "echo",
                    Calc.echo_args::new,
                    Calc.echo_result::new,
                    (i, args) -> new Calc.echo_result().setSuccess(i.echo(args.text))),
            "divide",
                function(
                    "divide",
                    Calc.divide_args::new,
                    Calc.divide_result::new,
                    (i, args) -> {
                      Calc.divide_result result = new Calc.divide_result();
                      try {
                        result.setSuccess(i.divide(args.a, args.b));
                      } catch (CalcError e) {
                        result.error = e;
                      }
                      return result;
                    }),
            "undeclared",
                function(
                    "undeclared",
                    Calc.undeclared_args::new,
                    Calc.undeclared_result::new,
                    (i, args) ->
                        new Calc.undeclared_result().setSuccess(i.undeclared(args.message))),
            "record",
                function(
                    "record",
                    Calc.record_args::new,
                    null,
                    (i, args) -> {
                      i.record(args.note);
                      return null;
                    })));
  }

  /** What a generated ProcessFunction's getResult does. */
  @FunctionalInterface
  interface Body<A, R> {
    R result(Calc.Iface iface, A args) throws TException;
  }

  /** A ProcessFunction; {@code result} null makes it oneway. */
  @SuppressWarnings("rawtypes")
  private static <A extends TBase, R extends TBase> ProcessFunction<Calc.Iface, A, R> function(
      String name, Supplier<A> args, Supplier<R> result, Body<A, R> body) {
    return new ProcessFunction<>(name) {
      @Override
      public boolean isOneway() {
        return result == null;
      }

      @Override
      public R getResult(Calc.Iface iface, A a) throws TException {
        return body.result(iface, a);
      }

      @Override
      public A getEmptyArgsInstance() {
        return args.get();
      }

      @Override
      public R getEmptyResultInstance() {
        return result == null ? null : result.get();
      }
    };
  }
}
