package io.callosum.upper.thrift;

import io.callosum.upper.thrift.testgen.Calc;
import io.callosum.upper.thrift.testgen.CalcError;
import io.callosum.upper.thrift.testgen.Pair;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.thrift.TException;

/** The tests' implementation of the Calc service, recording what it was asked. */
class CalcService implements Calc.Iface {
  final AtomicInteger sleeping = new AtomicInteger();
  final AtomicInteger interrupted = new AtomicInteger();
  final List<String> notes = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicLong> sequences = new ConcurrentHashMap<>();

  @Override
  public String echo(String text) throws TException {
    return text;
  }

  @Override
  public long add(long a, long b) {
    return a + b;
  }

  @Override
  public long sum(List<Pair> pairs) {
    return pairs.stream().mapToLong(p -> p.a + p.b).sum();
  }

  @Override
  public double divide(double a, double b) throws CalcError {
    if (b == 0) {
      throw new CalcError("division by zero", 22);
    }
    return a / b;
  }

  @Override
  public void sleep(long millis) {
    sleeping.incrementAndGet();
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      interrupted.incrementAndGet();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public long nextValue(String key) {
    long before = sequences.computeIfAbsent(key, k -> new AtomicLong()).get();
    Thread.yield(); // widens the window in which unserialized calls of one key would collide
    sequences.get(key).compareAndSet(before, before + 1);
    return sequences.get(key).get();
  }

  @Override
  public String undeclared(String message) {
    throw new IllegalStateException(message);
  }

  @Override
  public void record(String note) {
    notes.add(note);
  }

  @Override
  public long recorded() {
    return notes.size();
  }
}
