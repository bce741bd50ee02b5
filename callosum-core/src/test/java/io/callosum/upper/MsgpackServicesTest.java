package io.callosum.upper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.BoundPeer;
import io.callosum.CallContext;
import io.callosum.CallTimeoutException;
import io.callosum.ConnectedPeer;
import io.callosum.ErrorCode;
import io.callosum.Peer;
import io.callosum.RemoteInternalException;
import io.callosum.RemoteUserException;
import io.callosum.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Typed msgpack services over the in-process lower: both ends, the checks, the failures. */
class MsgpackServicesTest {
  public record Person(String name, int age) {}

  public record Greeting(String text, List<String> tags) {}

  /** What callers see. */
  public interface Greeter {
    Greeting greet(Person p);

    CompletableFuture<Greeting> greetLater(Person p);

    Flow.Publisher<Greeting> greetAll(List<Person> people);

    @RemoteMethod("get_status")
    String status();

    void forget(String name);

    List<Greeting> history();

    String slow(int millis);

    String fail(String why);

    default String hello(String name) {
      return greet(new Person(name, 0)).text();
    }
  }

  /** What the server implements: the same methods, some with the call's context. */
  public interface GreeterService {
    Greeting greet(Person p);

    CompletableFuture<Greeting> greetLater(Person p);

    Flow.Publisher<Greeting> greetAll(List<Person> people);

    @RemoteMethod("get_status")
    String status(CallContext ctx);

    void forget(String name);

    List<Greeting> history();

    String slow(int millis) throws InterruptedException;

    String fail(String why);
  }

  static final class Impl implements GreeterService {
    final List<Greeting> given = new ArrayList<>();
    final List<String> forgotten = new ArrayList<>();

    @Override
    public synchronized Greeting greet(Person p) {
      Greeting g = new Greeting("hello " + p.name() + " (" + p.age() + ")", List.of("x", "y"));
      given.add(g);
      return g;
    }

    @Override
    public CompletableFuture<Greeting> greetLater(Person p) {
      return CompletableFuture.supplyAsync(() -> greet(p));
    }

    @Override
    public Flow.Publisher<Greeting> greetAll(List<Person> people) {
      // Cold: each subscriber gets its own run, started once it is subscribed.
      return subscriber -> {
        SubmissionPublisher<Greeting> out = new SubmissionPublisher<>();
        out.subscribe(subscriber);
        CompletableFuture.runAsync(
            () -> {
              for (Person p : people) {
                out.submit(new Greeting("hi " + p.name(), List.of()));
              }
              out.close();
            });
      };
    }

    @Override
    public String status(CallContext ctx) {
      return "fine, asked by " + ctx.caller().id().isEmpty();
    }

    @Override
    public synchronized void forget(String name) {
      forgotten.add(name);
    }

    @Override
    public synchronized List<Greeting> history() {
      return List.copyOf(given);
    }

    @Override
    public String slow(int millis) throws InterruptedException {
      Thread.sleep(millis);
      return "late";
    }

    @Override
    public String fail(String why) {
      throw new IllegalStateException(why);
    }
  }

  private final Impl impl = new Impl();
  private BoundPeer server;
  private ConnectedPeer client;
  private Greeter greeter;

  @BeforeEach
  void start() {
    String address = "inproc://typed-" + UUID.randomUUID();
    server = Peer.builder().bind(address).build();
    List<String> names = MsgpackServices.bind(server, GreeterService.class, impl);
    assertEquals(8, names.size());
    assertTrue(names.contains("get_status"), names::toString);
    server.start();
    client = Peer.builder().connect(address).defaultTimeout(Await.LIMIT).build().start();
    greeter = MsgpackServices.client(client, Greeter.class).stub();
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  @Test
  void blockingAsyncVoidAndGenericResults() throws Exception {
    assertEquals(
        new Greeting("hello ann (30)", List.of("x", "y")), greeter.greet(new Person("ann", 30)));
    Greeting later = greeter.greetLater(new Person("bob", 40)).get(10, TimeUnit.SECONDS);
    assertEquals("hello bob (40)", later.text());
    greeter.forget("ann");
    assertEquals(List.of("ann"), impl.forgotten);
    List<Greeting> history = greeter.history();
    assertEquals(2, history.size());
    assertEquals(Greeting.class, history.get(0).getClass(), "decoded as the declared element type");
    assertEquals("hello ann (0)", greeter.hello("ann"), "a default method runs on the stub");
  }

  @Test
  void aWireNameAndTheCallContext() {
    assertEquals("fine, asked by false", greeter.status());
    // the same method, called by its wire name as a Python peer would
    assertEquals("fine, asked by false", client.invokeAndWait("get_status", null));
  }

  @Test
  void aServerStreamArrivesAsAPublisherOfTypedItems() throws Exception {
    List<Object> got = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    greeter
        .greetAll(List.of(new Person("a", 1), new Person("b", 2), new Person("c", 3)))
        .subscribe(
            new Flow.Subscriber<>() {
              @Override
              public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
              }

              @Override
              public void onNext(Greeting item) {
                got.add(item);
              }

              @Override
              public void onError(Throwable e) {
                got.add(e);
                done.countDown();
              }

              @Override
              public void onComplete() {
                done.countDown();
              }
            });
    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertEquals(
        List.of(
            new Greeting("hi a", List.of()),
            new Greeting("hi b", List.of()),
            new Greeting("hi c", List.of())),
        got);
  }

  @Test
  void failuresKeepTheirKinds() {
    RemoteUserException e = assertThrows(RemoteUserException.class, () -> greeter.fail("nope"));
    assertEquals(IllegalStateException.class.getName(), e.remoteName());
    // an argument that does not decode as the parameter's type
    RemoteInternalException bad =
        assertThrows(
            RemoteInternalException.class,
            () -> client.invokeAndWait("greet", Map.of("name", List.of(1, 2))));
    assertEquals(ErrorCode.CODEC_ERROR, bad.code());
  }

  @Test
  void clientOptionsApplyToEveryCall() {
    Greeter impatient =
        MsgpackServices.client(client, Greeter.class).withTimeout(Duration.ofMillis(50)).stub();
    assertThrows(CallTimeoutException.class, () -> impatient.slow(5_000));
    assertEquals("late", greeter.slow(1));
  }

  /** Interfaces that cannot be remote. */
  interface TwoValues {
    String m(String a, String b);
  }

  interface Clash {
    String a();

    @RemoteMethod("a")
    String b();
  }

  interface ContextOnTheClient {
    String m(CallContext ctx);
  }

  interface Nothing {
    default String m() {
      return "";
    }
  }

  @Test
  void interfacesThatCannotBeRemoteAreRefusedAtOnce() {
    assertRefused(TwoValues.class, "at most one");
    assertRefused(Clash.class, "called 'a' on the wire");
    assertRefused(ContextOnTheClient.class, "for the serving side");
    assertRefused(Nothing.class, "no remote method");
    assertRefused(Impl.class, "is not an interface");
    IllegalArgumentException notImpl =
        assertThrows(
            IllegalArgumentException.class,
            () -> MsgpackServices.bind(server, GreeterService.class, (GreeterService) null));
    assertTrue(notImpl.getMessage().contains("does not implement"), notImpl.getMessage());
  }

  private void assertRefused(Class<?> api, String why) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MsgpackServices.client(client, api));
    assertTrue(e.getMessage().contains(why), e.getMessage());
  }
}
