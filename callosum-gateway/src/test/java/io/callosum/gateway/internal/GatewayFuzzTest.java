package io.callosum.gateway.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.callosum.ConnectionLostException;
import io.callosum.gateway.GatewayConfig;
import io.callosum.lower.tcp.TcpOptions;
import io.callosum.lower.tcp.internal.RelayLoop;
import io.callosum.lower.tcp.internal.Wire;
import io.callosum.testing.ErrorLog;
import io.callosum.testing.FuzzInput;
import io.callosum.testing.FuzzSeeds;
import io.callosum.testing.OnLoop;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A fuzz target of the frames a gateway takes from its connections (docs/FUZZING.md): REGISTER,
 * UNREGISTER, OPEN, OPEN_TO, OPENED, DATA, CLOSE and CREDIT (and other kinds) from two local peers
 * and a link from cluster A, given to a running {@link GatewayEngine} of cluster B on its loop
 * thread as the TCP lower would, on recording connections. Invariants: nothing is thrown or logged
 * at ERROR; a frame ends (aborts) at most the connection that sent it; every frame the gateway
 * sends is well formed; and once every connection has closed, the gateway holds no side, channel or
 * name.
 */
class GatewayFuzzTest {
  private static final String[] TARGETS = {
    "B/s1", "B/s2", "A/x", "C/y", "s1", "tcp://127.0.0.1:9", "B/", "/s1"
  };
  private static final String[] NAMES = {"s1", "s2", "agent-1", "x y", ""};
  private static final GatewayEngine ENGINE;
  private static final RelayTable TABLE;
  private static final Registry REGISTRY;
  private static final RelayLoop LOOP;

  static {
    ErrorLog.install();
    try {
      TcpOptions tcp = TcpOptions.builder().maxChannelsPerConnection(4).build();
      ENGINE =
          GatewayEngine.start(
              GatewayConfig.builder("B")
                  .grant("A", "s*")
                  .tcp(tcp)
                  .maxChannelBuffer(1 << 16)
                  .build());
      TABLE = (RelayTable) field("table");
      REGISTRY = (Registry) field("registry");
      LOOP = (RelayLoop) field("loop");
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * The engine's parts, which a test in its package reaches this way only (they are private to it).
   */
  private static Object field(String name) throws ReflectiveOperationException {
    Field f = GatewayEngine.class.getDeclaredField(name);
    f.setAccessible(true);
    return f.get(ENGINE);
  }

  @AfterAll
  static void stop() {
    ENGINE.close();
  }

  @FuzzTest
  void frames(byte[] data) throws Exception {
    long errors = ErrorLog.count();
    OnLoop.run(LOOP::post, () -> run(new FuzzInput(data)));
    ErrorLog.assertNoneSince(errors);
  }

  /** One input, on the loop thread. */
  private static void run(FuzzInput in) {
    List<FakeConnection> conns = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      FakeConnection c = new FakeConnection();
      conns.add(c);
      TABLE.add(new LocalPeer(c));
    }
    FakeConnection link = new FakeConnection("A");
    conns.add(link);
    TABLE.add(GatewayLink.accepted(link));
    ENGINE.established(link);
    List<FakeConnection> open = new ArrayList<>(conns);
    while (in.more() && !open.isEmpty()) {
      FakeConnection from = open.get(in.below(open.size()));
      int[] sentBefore = conns.stream().mapToInt(c -> c.sent.size()).toArray();
      int[] endedBefore = conns.stream().mapToInt(c -> c.ended.size()).toArray();
      byte[] frame = frame(in);
      int kind = frame[0] & 0xff;
      ENGINE.frame(from, kind, Wire.getInt(frame, 1), frame);
      for (int i = 0; i < conns.size(); i++) {
        FakeConnection c = conns.get(i);
        if (c != from) {
          assertEquals(
              endedBefore[i],
              c.ended.size(),
              () -> "a frame from one connection ended another: " + c.ended);
        }
        for (byte[] f : c.sent.subList(sentBefore[i], c.sent.size())) {
          wellFormed(f);
        }
      }
      if (!from.ended.isEmpty()) {
        open.remove(from);
        ENGINE.closed(from, new ConnectionLostException("aborted: " + from.ended));
      }
    }
    for (FakeConnection c : open) {
      ENGINE.closed(c, new ConnectionLostException("the fuzz input ended"));
    }
    assertEquals(0, TABLE.size(), "no side left");
    assertEquals(0, TABLE.legs(), "no channel left");
    assertEquals(List.of(), REGISTRY.names(), "no name left");
  }

  /**
   * A frame of the kind the input picks: built from fields, or its kind and channel then raw bytes.
   */
  private static byte[] frame(FuzzInput in) {
    int kind = in.below(14);
    int number = in.bool() ? in.u32() : in.below(4) | (in.bool() ? Wire.ACCEPTOR_BIT : 0);
    switch (kind) {
      case Wire.DATA:
        return Wire.dataFrame(number, in.chunk(), in.chunk());
      case Wire.OPEN_TO:
        if (in.bool()) {
          return Wire.openTo(
              number, TARGETS[in.below(TARGETS.length)], in.bool() ? "A" : "", in.chunk());
        }
        break;
      case Wire.REGISTER:
        if (in.bool()) {
          return Wire.channelFrame(
              Wire.REGISTER,
              number,
              NAMES[in.below(NAMES.length)].getBytes(StandardCharsets.UTF_8));
        }
        break;
      case Wire.CREDIT:
        if (in.bool()) {
          return Wire.credit(number, in.u32());
        }
        break;
      default:
    }
    return Wire.channelFrame(kind == 0 ? 0x0D : kind, number, in.chunk());
  }

  /** A frame the gateway sends: a known kind with its fields within the frame. */
  private static void wellFormed(byte[] f) {
    int kind = f[0] & 0xff;
    assertTrue(kind >= Wire.OPEN && kind <= Wire.CREDIT, "kind " + kind);
    if (Wire.channelKind(kind)) {
      assertTrue(
          f.length >= Wire.CHANNEL_FRAME_HEADER, "a channel frame of " + f.length + " bytes");
    }
    if (kind == Wire.DATA) {
      int h = Wire.getInt(f, 5);
      assertTrue(
          f.length >= Wire.DATA_FRAME_HEADER && h >= 0 && h <= f.length - Wire.DATA_FRAME_HEADER,
          "a DATA frame");
    }
    if (kind == Wire.OPEN_TO) {
      assertNotNull(Wire.parseOpenTo(f), "an OPEN_TO that parses");
    }
  }

  @Test
  void seeds() {
    // Peer 0 registers s1, the link opens a channel to it, peer 0 answers OPENED, data flows both
    // ways, the link closes it.
    FuzzInput.Writer w = new FuzzInput.Writer();
    w.u8(0).u8(Wire.REGISTER).u8(0).u8(1).u8(0).u8(1).u8(0); // peer 0: REGISTER token 1 "s1"
    w.u8(2)
        .u8(Wire.OPEN_TO)
        .u8(0)
        .u8(1)
        .u8(0)
        .u8(1)
        .u8(0)
        .u8(1)
        .chunk(new byte[] {(byte) 0x80}); // link: OPEN_TO 1 "B/s1" from "A"
    w.u8(0)
        .u8(Wire.OPENED)
        .u8(0)
        .u8(1)
        .u8(1)
        .chunk(new byte[] {(byte) 0x80}); // peer 0: OPENED 0x80000001
    w.u8(2).u8(Wire.DATA).u8(0).u8(1).u8(0).chunk(new byte[] {1}).chunk(new byte[] {2, 3});
    w.u8(0).u8(Wire.DATA).u8(0).u8(1).u8(1).chunk(new byte[] {4}).chunk(new byte[0]);
    w.u8(2).u8(Wire.CLOSE).u8(0).u8(1).u8(0).chunk(new byte[0]);
    Map<String, byte[]> frames = new LinkedHashMap<>();
    frames.put("register-open-relay-close", w.toByteArray());
    frames.put(
        "peer-opens-link",
        new FuzzInput.Writer()
            .u8(1)
            .u8(Wire.OPEN_TO)
            .u8(0)
            .u8(1)
            .u8(0)
            .u8(1)
            .u8(3)
            .u8(0)
            .chunk(new byte[] {(byte) 0x80})
            .toByteArray());
    FuzzSeeds.check(getClass(), Map.of("frames", frames));
  }
}
