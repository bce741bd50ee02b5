package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** What {@link io.callosum.RemotePeer#address()} shows of the address a peer connected to. */
class RemoteLinkAddressTest {
  private static String shown(String address) {
    return RemoteLink.withoutUserInfo(URI.create(address));
  }

  @Test
  void anAddressWithoutUserInfoIsShownAsGiven() {
    for (String a :
        new String[] {
          "tcp://127.0.0.1:5020",
          "zmq+tcp://[::1]:5020",
          "redis://cache.internal:6379/calc?group=g&consumer=c",
          "inproc://some_name",
          "tunnel://east/orders"
        }) {
      assertEquals(a, shown(a));
    }
  }

  @Test
  void userNamesAndPasswordsAreLeftOut() {
    assertEquals("redis://cache:6379/calc", shown("redis://app:s3cret@cache:6379/calc"));
    assertEquals("rediss://cache/calc?group=g", shown("rediss://:s3cret@cache/calc?group=g"));
    assertEquals("tcp://[::1]:7/a%2Fb#f", shown("tcp://u%40x:p@[::1]:7/a%2Fb#f"));
    assertEquals(
        "redis://my_cache:6379/k", shown("redis://:s3cret@my_cache:6379/k"), "no host name");
  }
}
