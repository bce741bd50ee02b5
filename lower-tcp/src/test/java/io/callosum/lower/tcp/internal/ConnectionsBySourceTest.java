package io.callosum.lower.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Connections per source: the count, its limit, its release, and what a source is. */
class ConnectionsBySourceTest {
  private static InetAddress source(String address) throws Exception {
    return ConnectionsBySource.sourceOf(InetAddress.getByName(address));
  }

  @Test
  void aSourcePastItsLimitIsRefused_andGetsItsPlaceBackWhenAConnectionEnds() throws Exception {
    ConnectionsBySource c = new ConnectionsBySource(2);
    InetAddress a = source("127.0.0.2");
    InetAddress b = source("127.0.0.3");
    assertTrue(c.add(a));
    assertTrue(c.add(a));
    assertFalse(c.add(a), "a third from one source");
    assertTrue(c.add(b), "another source has its own share");
    c.remove(a);
    assertTrue(c.add(a), "a place given back");
    c.remove(a);
    c.remove(a);
    c.remove(b);
    assertEquals(0, c.sources(), "a source leaves with its last connection");
  }

  @Test
  void anIpv4AddressIsASource_anIpv6AddressCountsAsItsSlash64() throws Exception {
    assertEquals(InetAddress.getByName("10.1.2.3"), source("10.1.2.3"));
    assertEquals(source("2001:db8:1:2::1"), source("2001:db8:1:2:ffff:eeee:dddd:cccc"));
    assertNotEquals(source("2001:db8:1:2::1"), source("2001:db8:1:3::1"));
    assertEquals(
        "2001:db8:1:2:0:0:0:0/64", ConnectionsBySource.describe(source("2001:db8:1:2::7")));
    assertEquals("10.1.2.3", ConnectionsBySource.describe(source("10.1.2.3")));
  }
}
