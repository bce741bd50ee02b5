package io.callosum.lower;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.callosum.testing.FuzzInput;
import io.callosum.testing.FuzzSeeds;
import io.callosum.testing.ThreadAllocation;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Fuzz targets of the capability announcement a remote sends in its handshake (the ZeroMQ lower's
 * PING and PONG, the TCP lower's OPEN and OPENED; docs/FUZZING.md): {@link Capabilities#decode}
 * never throws, allocates at most a bound linear in its input, keeps at most 64 features and no
 * more than its input's length of them, and what it decodes encodes back to the same announcement;
 * generated announcements survive encode then decode.
 */
class CapabilitiesFuzzTest {
  @FuzzTest
  void decode(byte[] bytes) throws Exception {
    Capabilities[] decoded = new Capabilities[1];
    // msgpack-core allocates a little garbage for each str it reads (a map of 40,000 entries is
    // read until its input ends): linear in the input, which is at most 4 KiB.
    ThreadAllocation.atMost(
        (256 << 10) + 2048L * bytes.length,
        "Capabilities.decode",
        () -> decoded[0] = Capabilities.decode(bytes));
    Capabilities c = decoded[0];
    assertTrue(c.features().size() <= 64, "at most 64 features");
    assertTrue(
        c.features().stream().mapToInt(String::length).sum() <= bytes.length,
        "what it keeps is no bigger than its input");
    if (!c.isLegacy()) {
      assertEquals(c, Capabilities.decode(c.encode()));
    }
  }

  @FuzzTest
  void generated(byte[] data) {
    FuzzInput in = new FuzzInput(data);
    int version = 1 + in.below(1000);
    long id = in.u64();
    Set<String> features = new LinkedHashSet<>();
    for (int i = in.below(64); i > 0; i--) {
      features.add(new String(in.bytes(in.below(32)), StandardCharsets.UTF_8));
    }
    Capabilities c = new Capabilities(version, id, features);
    byte[] encoded = c.encode();
    if (encoded.length <= 4096) { // the longest announcement read
      assertEquals(c, Capabilities.decode(encoded));
    }
  }

  @Test
  void seeds() {
    Map<String, byte[]> decode = new LinkedHashMap<>();
    decode.put(
        "java",
        new Capabilities(Capabilities.VERSION, 0x1234_5678_9abcL, Set.of(Capabilities.CHAIN))
            .encode());
    decode.put(
        "all",
        new Capabilities(
                Capabilities.VERSION,
                -1,
                new LinkedHashSet<>(
                    java.util.List.of(
                        Capabilities.CHAIN,
                        Capabilities.STREAM,
                        Capabilities.CHUNK,
                        Capabilities.ORDERED)))
            .encode());
    Map<String, byte[]> generated = new LinkedHashMap<>();
    generated.put(
        "two",
        new FuzzInput.Writer()
            .u8(0)
            .u64(77)
            .u8(2)
            .u8(5)
            .bytes("chain".getBytes(StandardCharsets.US_ASCII))
            .u8(6)
            .bytes("stream".getBytes(StandardCharsets.US_ASCII))
            .toByteArray());
    FuzzSeeds.check(getClass(), Map.of("decode", decode, "generated", generated));
  }
}
