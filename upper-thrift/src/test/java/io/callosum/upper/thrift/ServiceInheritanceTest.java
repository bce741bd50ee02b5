package io.callosum.upper.thrift;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.testing.Closer;
import io.callosum.upper.thrift.testgen.Calc;
import java.util.Locale;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code service Child extends Calc { string shout(1: string text) }}: the compiler nests Child's
 * own structs in Child and leaves the inherited methods' structs in Calc; {@code Child.Iface
 * extends Calc.Iface} and {@code Child.Client extends Calc.Client}. Served and called as Child.
 */
class ServiceInheritanceTest {
  @RegisterExtension final Closer closer = new Closer();

  /** The shape of the generated code for the child service (its structs reuse echo's layout). */
  static final class Child {
    public interface Iface extends Calc.Iface {
      String shout(String text) throws TException;
    }

    public static class Client extends Calc.Client {
      public Client(TProtocol prot) {
        super(prot);
      }
    }

    public static class shout_args extends Calc.echo_args {
      private static final long serialVersionUID = 1L;
    }

    public static class shout_result extends Calc.echo_result {
      private static final long serialVersionUID = 1L;
    }
  }

  static final class ChildService extends CalcService implements Child.Iface {
    @Override
    public String shout(String text) {
      return text.toUpperCase(Locale.ROOT);
    }
  }

  @Test
  void aServiceThatExtendsAnotherServesTheInheritedMethods() throws Exception {
    ThriftService service = ThriftService.of(Child.Iface.class, new ChildService());
    Peer server = Lowers.server(closer, "inproc", service);
    ConnectedPeer peer = Lowers.client(closer, server);
    ThriftClients<Child.Client> clients = ThriftClients.of(peer, Child.Client::new);
    assertEquals(
        "Child",
        service.toString().substring("ThriftService(".length(), "ThriftService(Child".length()));
    assertEquals("inherited", clients.call(c -> c.echo("inherited")));
    assertEquals(42L, (long) clients.call(c -> c.add(40, 2)));
  }
}
