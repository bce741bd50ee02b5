package io.callosum.upper.thrift;

import io.callosum.upper.thrift.testgen.Calc;
import io.callosum.upper.thrift.testgen.CalcError;
import java.util.Map;
import org.apache.thrift.ProcessFunction;
import org.apache.thrift.TBase;
import org.apache.thrift.TBaseProcessor;
import org.apache.thrift.TException;

/**
 * A TProcessor for part of Calc written as a current (0.21+) Thrift compiler generates one, standing
 * in for the Processor the 0.17 compiler's code cannot provide. It lacks {@code add} on purpose.
 */
final class CalcProcessor extends TBaseProcessor<Calc.Iface> {
  CalcProcessor(Calc.Iface iface) {
    super(iface, Map.<String, ProcessFunction<Calc.Iface, ? extends TBase, ? extends TBase>>of(
        "echo", new Echo(), "divide", new Divide(), "undeclared", new Undeclared(), "record", new Record()));
  }

  private static final class Echo extends ProcessFunction<Calc.Iface, Calc.echo_args, Calc.echo_result> {
    Echo() {
      super("echo");
    }

    @Override
    public boolean isOneway() {
      return false;
    }

    @Override
    public Calc.echo_result getResult(Calc.Iface iface, Calc.echo_args args) throws TException {
      return new Calc.echo_result().setSuccess(iface.echo(args.text));
    }

    @Override
    public Calc.echo_args getEmptyArgsInstance() {
      return new Calc.echo_args();
    }

    @Override
    public Calc.echo_result getEmptyResultInstance() {
      return new Calc.echo_result();
    }
  }

  private static final class Divide extends ProcessFunction<Calc.Iface, Calc.divide_args, Calc.divide_result> {
    Divide() {
      super("divide");
    }

    @Override
    public boolean isOneway() {
      return false;
    }

    @Override
    public Calc.divide_result getResult(Calc.Iface iface, Calc.divide_args args) throws TException {
      Calc.divide_result result = new Calc.divide_result();
      try {
        result.setSuccess(iface.divide(args.a, args.b));
      } catch (CalcError e) {
        result.error = e;
      }
      return result;
    }

    @Override
    public Calc.divide_args getEmptyArgsInstance() {
      return new Calc.divide_args();
    }

    @Override
    public Calc.divide_result getEmptyResultInstance() {
      return new Calc.divide_result();
    }
  }

  private static final class Undeclared extends ProcessFunction<Calc.Iface, Calc.undeclared_args, Calc.undeclared_result> {
    Undeclared() {
      super("undeclared");
    }

    @Override
    public boolean isOneway() {
      return false;
    }

    @Override
    public Calc.undeclared_result getResult(Calc.Iface iface, Calc.undeclared_args args) throws TException {
      return new Calc.undeclared_result().setSuccess(iface.undeclared(args.message));
    }

    @Override
    public Calc.undeclared_args getEmptyArgsInstance() {
      return new Calc.undeclared_args();
    }

    @Override
    public Calc.undeclared_result getEmptyResultInstance() {
      return new Calc.undeclared_result();
    }
  }

  private static final class Record extends ProcessFunction<Calc.Iface, Calc.record_args, TBase<?, ?>> {
    Record() {
      super("record");
    }

    @Override
    public boolean isOneway() {
      return true;
    }

    @Override
    public TBase<?, ?> getResult(Calc.Iface iface, Calc.record_args args) throws TException {
      iface.record(args.note);
      return null;
    }

    @Override
    public Calc.record_args getEmptyArgsInstance() {
      return new Calc.record_args();
    }

    @Override
    public TBase<?, ?> getEmptyResultInstance() {
      return null;
    }
  }
}
