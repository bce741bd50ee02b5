package io.callosum.upper.thrift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.RemoteUserException;
import io.callosum.testing.Await;
import io.callosum.testing.Closer;
import io.callosum.upper.thrift.testgen.Calc;
import io.callosum.upper.thrift.testgen.CalcError;
import java.util.List;
import org.apache.thrift.TApplicationException;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A service served through a TProcessor, as users of a current Thrift compiler do. */
class ProcessorServingTest {
  @RegisterExtension final Closer closer = new Closer();

  private final CalcService calc = new CalcService();

  static List<String> lowers() {
    return Lowers.all();
  }

  private ThriftClients<Calc.Client> clients(String lower) {
    ThriftService service = ThriftService.ofProcessor(Calc.Iface.class, new CalcProcessor(calc));
    return ThriftClients.of(
        Lowers.client(closer, Lowers.server(closer, lower, service)), Calc.Client::new);
  }

  @ParameterizedTest(name = "over {0}")
  @MethodSource("lowers")
  void repliesAndDeclaredExceptionsComeFromTheProcessor(String lower) throws Exception {
    ThriftClients<Calc.Client> clients = clients(lower);

    assertEquals("through a processor", clients.call(c -> c.echo("through a processor")));
    assertEquals(0.5, clients.call(c -> c.divide(1, 2)));
    assertEquals(
        new CalcError("division by zero", 22),
        assertThrows(CalcError.class, () -> clients.call(c -> c.divide(1, 0))));
    Await.result(clients.async(c -> c.send_record("oneway"), c -> null));
    assertEquals(List.of("oneway"), calc.notes);
  }

  @ParameterizedTest(name = "over {0}")
  @MethodSource("lowers")
  void theProcessorsApplicationExceptionsBecomeCallosumErrors(String lower) throws Exception {
    ThriftClients<Calc.Client> clients = clients(lower);

    RemoteUserException internal =
        assertThrows(RemoteUserException.class, () -> clients.call(c -> c.undeclared("boom")));
    assertEquals(TApplicationException.class.getName(), internal.remoteName());
    assertTrue(
        internal.remoteRepr().contains("Internal error processing undeclared"),
        internal.remoteRepr());

    // The Iface has add, the processor does not: Thrift's UNKNOWN_METHOD.
    RemoteUserException unknown =
        assertThrows(RemoteUserException.class, () -> clients.call(c -> c.add(1, 2)));
    assertTrue(unknown.remoteRepr().contains("Invalid method name: 'add'"), unknown.remoteRepr());
  }
}
