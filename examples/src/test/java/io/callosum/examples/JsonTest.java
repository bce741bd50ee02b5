package io.callosum.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.callosum.upper.MsgpackCodec;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void parsesIntoTheCodecsGenericValues() {
    Map<?, ?> m =
        (Map<?, ?>)
            Json.parse(
                "{\"i\": 1, \"l\": 12345678901234, \"big\": 18446744073709551615, \"d\": 1.5,"
                    + " \"s\": \"x\", \"t\": true, \"n\": null, \"list\": [1, [2]]}");
    assertEquals(Integer.valueOf(1), m.get("i"));
    assertEquals(Long.valueOf(12345678901234L), m.get("l"));
    assertEquals(new BigInteger("18446744073709551615"), m.get("big"));
    assertEquals(Double.valueOf(1.5), m.get("d"));
    assertEquals("x", m.get("s"));
    assertEquals(Boolean.TRUE, m.get("t"));
    assertNull(m.get("n"));
    assertEquals(List.of(1, List.of(2)), m.get("list"));
    assertEquals(
        List.of("i", "l", "big", "d", "s", "t", "n", "list"),
        List.copyOf(m.keySet()),
        "key order kept");
  }

  @Test
  void parsesScalarsAtTheTop() {
    assertNull(Json.parse("null"));
    assertEquals("text", Json.parse("\"text\""));
    assertEquals(-7, Json.parse(" -7 "));
  }

  @Test
  void binTagBecomesBytesOnlyAlone() {
    assertArrayEquals(
        new byte[] {0, 1, 2, (byte) 0xff}, (byte[]) Json.parse("{\"$bin\": \"AAEC/w==\"}"));
    Map<?, ?> notTag = (Map<?, ?>) Json.parse("{\"$bin\": \"AA==\", \"other\": 1}");
    assertEquals("AA==", notTag.get("$bin"));
    assertEquals(Map.of("$bin", 5), Json.parse("{\"$bin\": 5}"));
  }

  @Test
  void rejectsWhatIsNotOneJsonValue() {
    for (String bad :
        new String[] {"", "{", "{\"a\":1} x", "[1,]", "nope", "{\"$bin\": \"not base64!\"}"}) {
      assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
    }
  }

  @Test
  void writesWhatJsonLacksTagged() {
    Map<Object, Object> m = new LinkedHashMap<>();
    m.put("bytes", "hi".getBytes(StandardCharsets.UTF_8));
    m.put(ByteBuffer.wrap(new byte[] {1, 2}).asReadOnlyBuffer(), "bin key");
    m.put(7, "int key");
    m.put("time", Instant.parse("2024-01-02T03:04:05.000000006Z"));
    m.put("ext", new MsgpackCodec.Extension((byte) 3, new byte[] {9}));
    m.put("uint64", new BigInteger("18446744073709551615"));
    m.put("float", 1.25f);
    m.put("list", Arrays.asList(null, false));
    assertEquals(
        "{\"bytes\":{\"$bin\":\"aGk=\"},\"$bin:AQI=\":\"bin key\",\"7\":\"int key\","
            + "\"time\":{\"$time\":\"2024-01-02T03:04:05.000000006Z\"},"
            + "\"ext\":{\"$ext\":3,\"data\":\"CQ==\"},"
            + "\"uint64\":18446744073709551615,\"float\":1.25,\"list\":[null,false]}",
        Json.write(m));
  }

  @Test
  void roundTripsThroughTheMsgpackCodec() {
    String json =
        "{\"a\":[1,-2,3.5,\"x\",{\"$bin\":\"AAE=\"}],"
            + "\"b\":{\"c\":null},\"u\":18446744073709551615}";
    MsgpackCodec codec = new MsgpackCodec();
    Object decoded = codec.decode(codec.encode(Json.parse(json)), Object.class);
    assertEquals(json, Json.write(decoded));
  }
}
