package io.callosum.lower.tcp.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.callosum.testing.FuzzInput;
import io.callosum.testing.FuzzSeeds;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fuzz targets of the TCP lower's frame fields as a remote sends them (docs/FUZZING.md): the
 * preamble, OPEN_TO's target and origin, the reason texts of ABORT, CLOSE and REGISTERED, the names
 * of REGISTER. Nothing throws (a malformed field reads as null or a checked problem); a reason is
 * at most {@link Wire#MAX_REASON} characters without control characters; what parses builds back to
 * the same frame.
 */
class WireFuzzTest {
  /** The frame as it arrived: every field reader that a receiver applies to it. */
  @FuzzTest
  void frame(byte[] f) {
    for (int from : new int[] {2, Wire.CHANNEL_FRAME_HEADER, Wire.CHANNEL_FRAME_HEADER + 1}) {
      String reason = Wire.reason(f, from); // ABORT; CLOSE; REGISTERED
      assertTrue(reason.length() <= Wire.MAX_REASON, "a reason is bounded");
      assertTrue(
          reason.chars().noneMatch(Character::isISOControl), "a reason has no control characters");
    }
    if (f.length >= Wire.PREAMBLE_SIZE) {
      byte[] p = Arrays.copyOf(f, Wire.PREAMBLE_SIZE);
      String problem = Wire.checkPreamble(p, NullSecurity.NAME);
      assertTrue(problem == null || !problem.isEmpty());
      assertTrue(Wire.mechanism(p).chars().noneMatch(Character::isISOControl));
      if (problem
          == null) { // magic, version and "NULL" then NUL; the reserved byte and the rest are not
        // read
        byte[] good = Wire.preamble(NullSecurity.NAME);
        assertTrue(
            Arrays.equals(good, 0, 5, p, 0, 5) && Arrays.equals(good, 6, 11, p, 6, 11),
            "a good preamble");
      }
    }
    Wire.OpenTo open = Wire.parseOpenTo(f);
    if (open != null) {
      assertTrue(
          Wire.utf8(open.target()).length >= 1 && Wire.utf8(open.target()).length <= Wire.MAX_NAME,
          "target of 1..255 bytes");
      assertTrue(
          open.origin().getBytes(StandardCharsets.UTF_8).length <= Wire.MAX_NAME,
          "origin of at most 255 bytes");
      byte[] rebuilt =
          Wire.openTo(
              Wire.getInt(f, 1),
              open.target(),
              open.origin(),
              Arrays.copyOfRange(f, open.capabilitiesAt(), f.length));
      rebuilt[0] = f[0];
      assertArrayEquals(f, rebuilt, "OPEN_TO builds back");
    }
    int n = f.length - Wire.CHANNEL_FRAME_HEADER;
    if (n >= 0 && n <= Wire.MAX_NAME) {
      String name = Wire.text(f, Wire.CHANNEL_FRAME_HEADER, n); // REGISTER
      if (Wire.validName(name)) {
        assertEquals(n, name.length(), "a valid name is ASCII");
      }
    }
  }

  /** Frames built from fields read back the same. */
  @FuzzTest
  void generated(byte[] data) {
    FuzzInput in = new FuzzInput(data);
    int channel = in.u32();
    String target = new String(in.bytes(in.below(300)), StandardCharsets.UTF_8);
    String origin = new String(in.bytes(in.below(300)), StandardCharsets.UTF_8);
    byte[] caps = in.chunk();
    if (Wire.utf8(target).length == Wire.MAX_REASON
        || Wire.utf8(origin).length == Wire.MAX_REASON) {
      return; // utf8() cuts at the reason limit: no name is that long
    }
    byte[] f = Wire.openTo(channel, target, origin, caps);
    Wire.OpenTo open = Wire.parseOpenTo(f);
    boolean fits =
        !target.isEmpty()
            && f.length > 0
            && target.getBytes(StandardCharsets.UTF_8).length <= Wire.MAX_NAME
            && origin.getBytes(StandardCharsets.UTF_8).length <= Wire.MAX_NAME
            && target.chars().noneMatch(Character::isISOControl)
            && origin.chars().noneMatch(Character::isISOControl);
    if (!fits) {
      return;
    }
    assertNotNull(open, "a well-formed OPEN_TO parses");
    assertEquals(target, open.target());
    assertEquals(origin, open.origin());
    assertArrayEquals(caps, Arrays.copyOfRange(f, open.capabilitiesAt(), f.length));
    String reason = new String(in.chunk(), StandardCharsets.UTF_8);
    byte[] abort = Wire.abort(Wire.PROTOCOL, reason);
    assertFalse(Wire.reason(abort, 2).length() > Wire.MAX_REASON);
  }

  @Test
  void seeds() {
    Map<String, byte[]> frames = new LinkedHashMap<>();
    frames.put("open-to", Wire.openTo(0x8000_0001, "agent-1", "hq", new byte[] {(byte) 0x83}));
    frames.put("register", Wire.channelFrame(Wire.REGISTER, 1, Wire.utf8("agent-1")));
    frames.put("registered", Wire.registered(1, true, "edge"));
    frames.put("abort", Wire.abort(Wire.LIMIT, "frame length 99 is outside 1..16"));
    frames.put("close", Wire.close(3, "channel limit of 2 per connection reached"));
    frames.put("credit", Wire.credit(5, 4096));
    frames.put("preamble", Wire.preamble("CURVE"));
    Map<String, byte[]> generated = new LinkedHashMap<>();
    generated.put(
        "open-to",
        new FuzzInput.Writer()
            .u32(7)
            .u8(3)
            .bytes("a/b".getBytes(StandardCharsets.UTF_8))
            .u8(2)
            .bytes("hq".getBytes(StandardCharsets.UTF_8))
            .chunk(new byte[] {(byte) 0x80})
            .chunk("bye".getBytes(StandardCharsets.UTF_8))
            .toByteArray());
    FuzzSeeds.check(getClass(), Map.of("frame", frames, "generated", generated));
  }
}
