package io.callosum.examples.guide;

import static io.callosum.examples.guide.StreamsGuide.collect;

import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.callosum.BoundPeer;
import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.examples.uppers.proto.AddReply;
import io.callosum.examples.uppers.proto.AddRequest;
import io.callosum.examples.uppers.proto.DemoProto;
import io.callosum.examples.uppers.thrift.gen.Demo;
import io.callosum.examples.uppers.thrift.gen.DemoError;
import io.callosum.upper.MsgpackClient;
import io.callosum.upper.MsgpackServices;
import io.callosum.upper.RemoteMethod;
import io.callosum.upper.protobuf.ProtobufServices;
import io.callosum.upper.thrift.CallOptions;
import io.callosum.upper.thrift.ThriftClients;
import io.callosum.upper.thrift.ThriftService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import org.apache.thrift.TException;

/**
 * The snippets of the user guide's section "Typed services" (docs/GUIDE.md): one service per upper,
 * msgpack (a Java interface), Protobuf (a {@code .proto} service) and Thrift (generated code).
 */
final class ServicesGuide {
  private ServicesGuide() {}

  // guide:msgpackApi
  /** An account service: the interface both ends use. */
  public interface Accounts {
    Balance balance(String account); // blocking

    CompletableFuture<Balance> deposit(Deposit deposit); // asynchronous

    Flow.Publisher<Balance> history(String account); // a server stream

    @RemoteMethod("get_status") // its name on the wire, e.g. a Python peer's handler
    String status();
  }

  /** A deposit: a msgpack map {@code {account, amount}}. */
  public record Deposit(String account, long amount) {}

  /** A balance. */
  public record Balance(String account, long amount) {}

  // end guide:msgpackApi

  // guide:msgpackImpl
  /** The implementation, on the serving side. */
  static final class AccountsImpl implements Accounts {
    private final Map<String, List<Balance>> history = new ConcurrentHashMap<>();

    @Override
    public synchronized Balance balance(String account) {
      List<Balance> past = history.getOrDefault(account, List.of());
      return past.isEmpty() ? new Balance(account, 0) : past.get(past.size() - 1);
    }

    @Override
    public synchronized CompletableFuture<Balance> deposit(Deposit deposit) {
      Balance now =
          new Balance(deposit.account(), balance(deposit.account()).amount() + deposit.amount());
      history.computeIfAbsent(deposit.account(), a -> new ArrayList<>()).add(now);
      return CompletableFuture.completedFuture(now);
    }

    @Override
    public synchronized Flow.Publisher<Balance> history(String account) {
      List<Balance> past = List.copyOf(history.getOrDefault(account, List.of()));
      return subscriber -> { // sends the items once the caller subscribes
        SubmissionPublisher<Balance> items = new SubmissionPublisher<>();
        items.subscribe(subscriber);
        past.forEach(items::submit);
        items.close();
      };
    }

    @Override
    public String status() {
      return "open";
    }
  }

  // end guide:msgpackImpl

  /** The account service bound and called; returns what the calls gave. */
  static List<Object> msgpack() {
    try (BoundPeer server = Peer.builder().bind("inproc://accounts").build()) {
      // guide:msgpackBind
      MsgpackServices.bind(server, Accounts.class, new AccountsImpl()); // checks every method
      server.start();
      // end guide:msgpackBind
      try (ConnectedPeer client = Peer.builder().connect("inproc://accounts").build().start()) {
        // guide:msgpackClient
        MsgpackClient<Accounts> service = MsgpackServices.client(client, Accounts.class);
        Accounts accounts = service.withTimeout(Duration.ofSeconds(5)).stub();

        accounts.deposit(new Deposit("acct-1", 70)).join();
        accounts.deposit(new Deposit("acct-1", 30)).join();
        Balance balance = accounts.balance("acct-1"); // Balance[account=acct-1, amount=100]
        List<Balance> history = collect(accounts.history("acct-1")).join(); // 70, then 100
        String status = accounts.status(); // "open", called as get_status

        Accounts inOrder = service.withOrderKey("acct-1").stub(); // calls with an order key
        // end guide:msgpackClient
        return List.of(balance, history, status, inOrder.balance("acct-1"));
      }
    }
  }

  // guide:protobufApi
  /** The serving side of rpc Add of service Demo in demo.proto. */
  public interface AddService {
    AddReply add(AddRequest request);
  }

  /** The calling side of the same rpc. */
  public interface AddApi {
    CompletableFuture<AddReply> add(AddRequest request);
  }

  // end guide:protobufApi

  /** A Protobuf service bound and called; returns the sum, 42. */
  static long protobuf() {
    try (BoundPeer server = Peer.builder().bind("inproc://protobuf").build()) {
      // guide:protobuf
      ServiceDescriptor demo = DemoProto.getDescriptor().getServices().get(0); // service Demo
      ProtobufServices.bind(
          server,
          demo,
          AddService.class,
          request -> AddReply.newBuilder().setSum(request.getA() + request.getB()).build());
      server.start();

      try (ConnectedPeer client = Peer.builder().connect("inproc://protobuf").build().start()) {
        AddApi api = ProtobufServices.client(client, demo, AddApi.class).stub();
        AddReply reply = api.add(AddRequest.newBuilder().setA(40).setB(2).build()).join();
        return reply.getSum(); // 42; the call's method is "callosum.demo.Demo/Add"
      }
      // end guide:protobuf
    }
  }

  /** The Thrift service bound and called; returns the results and the declared error's reason. */
  static List<Object> thrift() throws TException {
    try (BoundPeer server = Peer.builder().bind("inproc://thrift").build()) {
      // guide:thrift
      ThriftService.of(Demo.Iface.class, new DemoImpl()).serveOn(server); // the generated Iface
      server.start();

      try (ConnectedPeer client = Peer.builder().connect("inproc://thrift").build().start()) {
        ThriftClients<Demo.Client> demo = ThriftClients.of(client, Demo.Client::new);
        long sum = demo.call(c -> c.add(40, 2)); // 42, from any number of threads at once
        CompletableFuture<Long> later = demo.async(c -> c.send_add(1, 2), Demo.Client::recv_add);
        String echoed =
            demo.with(CallOptions.DEFAULT.withOrderKey("k").withTimeout(Duration.ofSeconds(2)))
                .call(c -> c.echo("hi"));
        try {
          demo.call(
              c -> {
                c.fail("out of paper");
                return null;
              });
          return List.of("no failure");
        } catch (DemoError e) { // the exception the IDL declares, as Thrift throws it
          return List.of(sum, later.join(), echoed, e.getReason()); // 42, 3, "hi", "out of paper"
        }
      }
      // end guide:thrift
    }
  }

  /** The generated {@code Demo.Iface}, implemented for the calls of the guide. */
  static final class DemoImpl implements Demo.Iface {
    @Override
    public void fail(String reason) throws DemoError {
      throw new DemoError(reason); // reaches the caller as the declared exception
    }

    @Override
    public long add(long a, long b) {
      return Math.addExact(a, b); // an overflow reaches the caller as a RemoteUserException
    }

    @Override
    public String echo(String text) {
      return text;
    }

    @Override
    public void slow(long millis) {
      throw new UnsupportedOperationException("not in the guide");
    }

    @Override
    public long nextValue(String key) {
      throw new UnsupportedOperationException("not in the guide");
    }
  }
}
