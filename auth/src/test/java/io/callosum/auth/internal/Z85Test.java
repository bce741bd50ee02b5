package io.callosum.auth.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.zeromq.ZMQ;

/** Z85 (ZeroMQ RFC 32): the spec's test vectors, errors, and agreement with jeromq. */
class Z85Test {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void helloWorldVector() {
    byte[] bytes = HEX.parseHex("864FD26FB559F75B");
    assertEquals("HelloWorld", Z85.encode(bytes));
    assertArrayEquals(bytes, Z85.decode("HelloWorld"));
  }

  @Test
  void curveKeyVector() {
    byte[] bytes = HEX.parseHex("8E0BDD697628B91D8F245587EE95C5B04D48963F79259877B49CD9063AEAD3B7");
    String text = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
    assertEquals(text, Z85.encode(bytes));
    assertArrayEquals(bytes, Z85.decode(text));
  }

  @Test
  void emptyAndExtremeGroups() {
    assertEquals("", Z85.encode(new byte[0]));
    assertArrayEquals(new byte[0], Z85.decode(""));
    assertEquals("00000", Z85.encode(new byte[4]));
    byte[] ones = {-1, -1, -1, -1};
    assertEquals("%nSc0", Z85.encode(ones));
    assertArrayEquals(ones, Z85.decode("%nSc0"));
  }

  @Test
  void agreesWithJeromqInBothDirections() {
    Random random = new Random(32);
    for (int i = 0; i < 200; i++) {
      byte[] bytes = new byte[4 * random.nextInt(20)];
      random.nextBytes(bytes);
      String ours = Z85.encode(bytes);
      assertEquals(zmq.util.Z85.encode(bytes, bytes.length), ours);
      assertArrayEquals(bytes, zmq.util.Z85.decode(ours));
      assertArrayEquals(bytes, Z85.decode(ours));
    }
    // jeromq's public entry point, for keys.
    byte[] key = new byte[32];
    random.nextBytes(key);
    assertEquals(ZMQ.Curve.z85Encode(key), Z85.encode(key));
    assertArrayEquals(key, Z85.decode(ZMQ.Curve.z85Encode(key)));
  }

  @Test
  void rejectsLengthsThatAreNotWholeGroups() {
    IllegalArgumentException bytes =
        assertThrows(IllegalArgumentException.class, () -> Z85.encode(new byte[7]));
    assertTrue(bytes.getMessage().contains("7 bytes is not a multiple of 4"), bytes.getMessage());
    IllegalArgumentException text =
        assertThrows(IllegalArgumentException.class, () -> Z85.decode("Hello!"));
    assertTrue(
        text.getMessage().contains("6 characters is not a multiple of 5"), text.getMessage());
  }

  @Test
  void rejectsCharactersOutsideTheAlphabetWithoutQuotingThem() {
    for (String bad :
        new String[] {
          "Hell\"World", "Hello Worl", "HelloWor~d", "HelloWorl\u00e9", "HelloWorl\\", "Hel,oWorld"
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Z85.decode(bad), bad);
      assertTrue(
          e.getMessage().matches("the character at index \\d+ is not in the Z85 alphabet"),
          e.getMessage());
      assertFalse(e.getMessage().contains("Hel"), e.getMessage());
    }
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Z85.decode("HelloWor~d"))
            .getMessage()
            .contains("index 8"));
  }

  @Test
  void rejectsGroupsAbove32Bits() {
    // "%nSc0" is 2^32 - 1; "%nSc1" is 2^32 and "#####" is 85^5 - 1.
    for (String bad : new String[] {"%nSc1", "#####", "00000#####"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Z85.decode(bad), bad);
      assertTrue(e.getMessage().contains("more than 32 bits"), e.getMessage());
    }
  }
}
