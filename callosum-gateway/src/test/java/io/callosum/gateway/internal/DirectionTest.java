package io.callosum.gateway.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.lower.tcp.internal.Wire;
import org.junit.jupiter.api.Test;

class DirectionTest {
  @Test
  void eachEndOpensInItsOwnIdSpaceAndTakesOpensOnlyFromTheOther() {
    assertEquals(5, Direction.DIALLED.own(5));
    assertEquals(Wire.ACCEPTOR_BIT | 5, Direction.ACCEPTED.own(5));
    assertTrue(
        Direction.DIALLED.remoteOpens(Wire.ACCEPTOR_BIT | 5),
        "the accepting end opens ids with the bit");
    assertFalse(Direction.DIALLED.remoteOpens(5));
    assertTrue(Direction.ACCEPTED.remoteOpens(5), "the dialling end opens ids without the bit");
    assertFalse(Direction.ACCEPTED.remoteOpens(Wire.ACCEPTOR_BIT | 5));
    assertEquals("out", Direction.DIALLED.word());
    assertEquals("accepted", Direction.ACCEPTED.verb());
  }

  @Test
  void aSideAllocatesFreshIdsInItsOwnSpace() {
    LocalPeer p = new LocalPeer(new FakeConnection());
    int first = p.allocate();
    assertEquals(Wire.ACCEPTOR_BIT | 1, first);
    p.legs.put(Wire.ACCEPTOR_BIT | 2, new Leg(p, Wire.ACCEPTOR_BIT | 2));
    assertEquals(Wire.ACCEPTOR_BIT | 3, p.allocate(), "an id in use is skipped");
    GatewayLink l = GatewayLink.dialled(new FakeConnection(), null, "B");
    assertEquals(1, l.allocate());
  }
}
