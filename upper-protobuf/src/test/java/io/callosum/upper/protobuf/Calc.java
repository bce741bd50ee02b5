package io.callosum.upper.protobuf;

import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.callosum.upper.protobuf.test.CalcProto;
import io.callosum.upper.protobuf.test.Num;
import io.callosum.upper.protobuf.test.Pair;
import io.callosum.upper.protobuf.test.Problem;
import io.callosum.upper.protobuf.test.Sleep;
import io.callosum.upper.protobuf.test.Text;
import io.callosum.upper.protobuf.test.Tree;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** The test service {@code callosum.test.Calc} (src/test/proto/calc.proto): both ends. */
@SuppressWarnings(
    "exports") // a test fixture: its public interface uses the generated test messages
public final class Calc {
  static final ServiceDescriptor SERVICE = CalcProto.getDescriptor().getServices().get(0);

  /** The caller's view. */
  public interface Client {
    CompletableFuture<Num> add(Pair p);

    CompletableFuture<Text> echo(Text t);

    CompletableFuture<Num> depth(Tree t);

    CompletableFuture<Text> fail(Text t);

    CompletableFuture<Num> slow(Sleep s);

    CompletableFuture<Num> next(Text key);

    MessageStreamCall<Num, Num> count(Num n);

    MessageStreamCall<Num, Num> sum();

    MessageStreamCall<Num, Num> running();

    /** Default methods are not rpcs: they run as written. */
    default CompletableFuture<Long> plus(long a, long b) {
      return add(Pair.newBuilder().setA(a).setB(b).build()).thenApply(Num::getValue);
    }
  }

  /** Blocking calls of the same rpcs. */
  interface Blocking {
    Num add(Pair p);

    Text fail(Text t);
  }

  /** The server's side. */
  interface Server {
    Num add(Pair p);

    CompletableFuture<Text> echo(Text t);

    Num depth(Tree t);

    Text fail(Text t);

    Num slow(Sleep s) throws InterruptedException;

    Num next(Text key);

    void count(Num n, MessageSink<Num> out) throws InterruptedException;

    Num sum(MessageSource<Num> in) throws InterruptedException;

    void running(MessageSource<Num> in, MessageSink<Num> out) throws InterruptedException;
  }

  /** The implementation; records what a test needs to see happen at the server. */
  static final class Impl implements Server {
    final CountDownLatch slowStarted = new CountDownLatch(1);
    final CountDownLatch slowInterrupted = new CountDownLatch(1);
    final AtomicInteger calls = new AtomicInteger();
    private final Map<String, AtomicLong> sequences = new ConcurrentHashMap<>();

    @Override
    public Num add(Pair p) {
      calls.incrementAndGet();
      return Num.newBuilder().setValue(p.getA() + p.getB()).build();
    }

    @Override
    public CompletableFuture<Text> echo(Text t) {
      return CompletableFuture.completedFuture(t);
    }

    @Override
    public Num depth(Tree t) {
      int d = 1;
      for (Tree c : t.getChildrenList()) {
        d = Math.max(d, 1 + (int) depth(c).getValue());
      }
      return Num.newBuilder().setValue(d).build();
    }

    @Override
    public Text fail(Text t) {
      if (t.getText().equals("plain")) {
        throw new IllegalStateException("not declared: " + t.getText());
      }
      throw new ProtobufServiceException(
          Problem.newBuilder().setReason(t.getText()).setCode(7).build(),
          "refused: " + t.getText());
    }

    @Override
    public Num slow(Sleep s) throws InterruptedException {
      slowStarted.countDown();
      try {
        Thread.sleep(s.getMillis());
      } catch (InterruptedException e) {
        slowInterrupted.countDown();
        throw e;
      }
      return Num.newBuilder().setValue(s.getMillis()).build();
    }

    @Override
    public Num next(Text key) {
      long n = sequences.computeIfAbsent(key.getText(), k -> new AtomicLong()).incrementAndGet();
      Thread.yield(); // widens the window in which unserialized calls of one key would interleave
      return Num.newBuilder().setValue(n).build();
    }

    @Override
    public void count(Num n, MessageSink<Num> out) throws InterruptedException {
      if (n.getValue() < 0) {
        throw new ProtobufServiceException(Problem.newBuilder().setReason("negative").build());
      }
      for (long i = 1; i <= n.getValue(); i++) {
        out.send(Num.newBuilder().setValue(i).build());
      }
    }

    @Override
    public Num sum(MessageSource<Num> in) throws InterruptedException {
      long s = 0;
      for (Num n; (n = in.take()) != null; ) {
        s += n.getValue();
      }
      return Num.newBuilder().setValue(s).build();
    }

    @Override
    public void running(MessageSource<Num> in, MessageSink<Num> out) throws InterruptedException {
      long s = 0;
      for (Num n; (n = in.take()) != null; ) {
        s += n.getValue();
        out.send(Num.newBuilder().setValue(s).build());
      }
    }
  }

  private Calc() {}
}
