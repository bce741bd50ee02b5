package io.callosum.upper.thrift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.callosum.ConnectedPeer;
import io.callosum.Peer;
import io.callosum.testing.Closer;
import io.callosum.upper.thrift.testgen.Calc;
import io.callosum.upper.thrift.testgen.Pair;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A generated client over one CallosumTransport (the README's "unchanged, over a transport" use,
 * and ThriftClients.client()): a call whose arguments fail to serialize half-way leaves the bytes
 * it wrote in the transport; the next call must not be sent with them in front.
 */
class TransportReuseTest {
  @RegisterExtension final Closer closer = new Closer();

  @Test
  void aCallThatFailsWhileWritingDoesNotCorruptTheNext() throws Exception {
    Peer server =
        Lowers.server(closer, "inproc", ThriftService.of(Calc.Iface.class, new CalcService()));
    ConnectedPeer peer = Lowers.client(closer, server);
    Calc.Client calc = new Calc.Client(ThriftClients.protocol(new CallosumTransport(peer, "Calc")));

    assertThrows(NullPointerException.class, () -> calc.sum(Arrays.asList(new Pair(1, 2), null)));
    assertEquals("after", calc.echo("after"));
    assertEquals(3L, calc.add(1, 2));
  }

  @Test
  void theSameWithAClientFromThriftClients() throws Exception {
    Peer server =
        Lowers.server(closer, "inproc", ThriftService.of(Calc.Iface.class, new CalcService()));
    ConnectedPeer peer = Lowers.client(closer, server);
    Calc.Client calc = ThriftClients.of(peer, Calc.Client::new).client();

    assertThrows(NullPointerException.class, () -> calc.sum(Arrays.asList(new Pair(1, 2), null)));
    assertEquals("after", calc.echo("after"));
  }
}
