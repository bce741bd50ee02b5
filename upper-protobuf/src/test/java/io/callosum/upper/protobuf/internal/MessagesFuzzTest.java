package io.callosum.upper.protobuf.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.Message;
import io.callosum.CodecException;
import io.callosum.testing.FuzzSeeds;
import io.callosum.testing.ThreadAllocation;
import io.callosum.upper.protobuf.test.Num;
import io.callosum.upper.protobuf.test.Pair;
import io.callosum.upper.protobuf.test.Problem;
import io.callosum.upper.protobuf.test.Sleep;
import io.callosum.upper.protobuf.test.Text;
import io.callosum.upper.protobuf.test.Tree;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A fuzz target of the bodies a remote sends to a protobuf service (docs/FUZZING.md): the first
 * byte picks a request or response type of the test service {@code Calc} (a recursive one
 * included), the rest is parsed as it, as the server binding, the client stub and the message
 * streams do ({@link Messages#parse}). Only {@link CodecException} is thrown, nesting is bounded
 * (64), allocation is linear in the input (256 bytes per byte at most; the long run found a body of
 * nested empty messages at 120, 185 under Jazzer's hooks, kept as {@code crash-6b90c204...}), and a
 * message that parses serializes to bytes that parse to an equal message.
 */
class MessagesFuzzTest {
  private static final List<Message> TYPES =
      List.of(
          Num.getDefaultInstance(),
          Pair.getDefaultInstance(),
          Text.getDefaultInstance(),
          Tree.getDefaultInstance(),
          Sleep.getDefaultInstance(),
          Problem.getDefaultInstance());

  @FuzzTest
  void body(byte[] data) throws Exception {
    if (data.length == 0) {
      return;
    }
    Message prototype = TYPES.get((data[0] & 0xff) % TYPES.size());
    byte[] bytes = java.util.Arrays.copyOfRange(data, 1, data.length);
    Message[] parsed = new Message[1];
    try {
      // An empty nested message takes 2 bytes on the wire and some 240 bytes of heap once parsed
      // (its object, its builder, its children's list): linear, at up to ~120 bytes per byte, ~185
      // with Jazzer's hooks allocating beside it while fuzzing. What one body may decode into in
      // all is bounded by Messages.MAX_ELEMENTS.
      ThreadAllocation.atMost(
          (256 << 10) + 256L * bytes.length,
          "parsing as " + prototype.getDescriptorForType().getName(),
          () -> parsed[0] = Messages.parse(prototype, bytes));
    } catch (CodecException e) {
      return;
    }
    assertEquals(
        parsed[0],
        Messages.parse(prototype, parsed[0].toByteArray()),
        "a parsed message serializes back");
  }

  @Test
  void seeds() {
    Tree tree =
        Tree.newBuilder().setLabel("root").addChildren(Tree.newBuilder().setLabel("leaf")).build();
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    seeds.put("pair", prefixed(1, Pair.newBuilder().setA(2).setB(-3).build().toByteArray()));
    seeds.put("text", prefixed(2, Text.newBuilder().setText("héllo").build().toByteArray()));
    seeds.put("tree", prefixed(3, tree.toByteArray()));
    seeds.put(
        "problem",
        prefixed(5, Problem.newBuilder().setReason("no").setCode(7).build().toByteArray()));
    FuzzSeeds.check(getClass(), Map.of("body", seeds));
  }

  private static byte[] prefixed(int type, byte[] rest) {
    byte[] b = new byte[rest.length + 1];
    b[0] = (byte) type;
    System.arraycopy(rest, 0, b, 1, rest.length);
    return b;
  }
}
