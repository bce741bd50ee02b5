package io.callosum.lower.redis.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** Addresses: the parts, the defaults, the derived stream keys, and what is refused. */
class RedisAddressTest {
  private static RedisAddress parse(String s) {
    return RedisAddress.parse(URI.create(s));
  }

  @Test
  public void partsAndDefaults() {
    RedisAddress a = parse("redis://127.0.0.1:6380/svc?group=g1&consumer=c-1");
    assertFalse(a.tls());
    assertEquals("127.0.0.1", a.host());
    assertEquals(6380, a.port());
    assertEquals("svc", a.key());
    assertEquals("g1", a.groupOrDefault());
    assertEquals("c-1", a.consumer());
    assertEquals("svc.bind", a.bindStream());
    assertEquals("svc.conn", a.connStream());
    assertEquals("svc.hello", a.helloStream());
    assertEquals("svc.bound", a.boundKey());
    assertEquals("svc.conn.ab12", a.peerStream("ab12"));

    RedisAddress d = parse("rediss://redis.example/events");
    assertTrue(d.tls());
    assertEquals(RedisAddress.DEFAULT_PORT, d.port());
    assertNull(d.group());
    assertEquals(RedisAddress.DEFAULT_GROUP, d.groupOrDefault());
    assertNull(d.consumer());
    assertEquals("rediss://redis.example:6379/events", d.shareable());
  }

  @Test
  public void credentialsAreReadButNeverShown() {
    RedisAddress a = parse("redis://alice:s%40cret@localhost:6379/k");
    assertEquals("alice", a.username());
    assertArrayEquals("s@cret".toCharArray(), a.password());
    assertFalse(a.toString().contains("cret"), a.toString());
    assertFalse(a.shareable().contains("alice"));
    RedisAddress p = parse("redis://:pw@localhost/k");
    assertNull(p.username());
    assertArrayEquals("pw".toCharArray(), p.password());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> parse("redis://u:pw@localhost/k?x=1"));
    assertFalse(e.getMessage().contains("pw"), e.getMessage());
  }

  @Test
  public void badAddressesAreRefusedSayingWhy() {
    for (String bad :
        new String[] {
          "tcp://127.0.0.1:1/k",
          "redis://127.0.0.1:1",
          "redis://127.0.0.1:1/",
          "redis://127.0.0.1:1/a%20b",
          "redis://127.0.0.1:1/k?group=",
          "redis://127.0.0.1:1/k?group=a/b",
          "redis://127.0.0.1:1/k?unknown=1",
          "redis://127.0.0.1:1/k#frag",
          "redis://127.0.0.1:1/" + "k".repeat(201)
        }) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(bad));
      assertTrue(e.getMessage().startsWith("not a Redis address ("), e.getMessage());
    }
  }
}
