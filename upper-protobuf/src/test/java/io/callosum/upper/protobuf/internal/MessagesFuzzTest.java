package io.callosum.upper.protobuf.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.callosum.CodecException;
import io.callosum.testing.FuzzSeeds;
import io.callosum.testing.ThreadAllocation;
import io.callosum.upper.protobuf.test.Num;
import io.callosum.upper.protobuf.test.Pair;
import io.callosum.upper.protobuf.test.Problem;
import io.callosum.upper.protobuf.test.Sleep;
import io.callosum.upper.protobuf.test.Text;
import io.callosum.upper.protobuf.test.Tree;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A fuzz target of the bodies a remote sends to a protobuf service (docs/FUZZING.md): the first
 * byte picks a request or response type of the test service {@code Calc} (a recursive one
 * included), the rest is parsed as it, as the server binding, the client stub and the message
 * streams do ({@link Messages#parse}). Only {@link CodecException} is thrown, nesting is bounded
 * (64), what a parsed message keeps is linear in the input (a field or message for every two bytes
 * at most, no more than {@link Messages#MAX_ELEMENTS}, no more text and bytes than arrived), and a
 * message that parses serializes to bytes that parse to an equal message.
 *
 * <p>Replayed by the build, the parse's allocation is measured too (256 bytes per byte at most: an
 * empty nested message takes 2 bytes on the wire and some 240 bytes of heap once parsed, kept as
 * {@code crash-6b90c204...}). While fuzzing it is not: Jazzer's hooks in the instrumented protobuf
 * classes allocate beside the parser (185 and 263 bytes per byte for the two inputs kept), so there
 * the target bounds what the parse keeps, as {@code CertificateFuzzTest} does for ZPL.
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

  /** Whether Jazzer fuzzes (JAZZER_FUZZ, as .ci/fuzz sets it) rather than replays the inputs. */
  private static final boolean FUZZING = !System.getenv().getOrDefault("JAZZER_FUZZ", "").isEmpty();

  @FuzzTest
  void body(byte[] data) throws Exception {
    if (data.length == 0) {
      return;
    }
    Message prototype = TYPES.get((data[0] & 0xff) % TYPES.size());
    byte[] bytes = java.util.Arrays.copyOfRange(data, 1, data.length);
    Message[] parsed = new Message[1];
    try {
      if (FUZZING) {
        parsed[0] = Messages.parse(prototype, bytes);
      } else {
        ThreadAllocation.atMost(
            (256 << 10) + 256L * bytes.length,
            "parsing as " + prototype.getDescriptorForType().getName(),
            () -> parsed[0] = Messages.parse(prototype, bytes));
      }
    } catch (CodecException e) {
      return;
    }
    // A field takes a tag and a value, two bytes at least (none of these types has packed fields).
    long[] kept = new long[2]; // fields and messages; bytes of text and byte fields
    kept(parsed[0], kept);
    assertTrue(
        kept[0] <= Messages.MAX_ELEMENTS && 2 * (kept[0] - 1) <= bytes.length,
        () -> kept[0] + " fields and messages kept from " + bytes.length + " bytes");
    assertTrue(
        kept[1] <= bytes.length,
        () -> kept[1] + " bytes of text and byte fields kept from " + bytes.length + " bytes");
    assertEquals(
        parsed[0],
        Messages.parse(prototype, parsed[0].toByteArray()),
        "a parsed message serializes back");
  }

  /**
   * Adds to {@code kept} what {@code m} holds: [0] the message itself and every field value
   * (repeated ones element by element, unknown fields too), [1] the bytes of its text (UTF-8) and
   * byte fields.
   */
  private static void kept(Message m, long[] kept) {
    kept[0]++;
    UnknownFieldSet unknown = m.getUnknownFields();
    kept[0] += unknown.asMap().size();
    kept[1] += unknown.getSerializedSize();
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      Object value = e.getValue();
      for (Object v : e.getKey().isRepeated() ? (List<?>) value : List.of(value)) {
        if (v instanceof Message nested) {
          kept(nested, kept);
          continue;
        }
        kept[0]++;
        if (v instanceof String text) {
          kept[1] += text.getBytes(StandardCharsets.UTF_8).length;
        } else if (v instanceof ByteString b) {
          kept[1] += b.size();
        }
      }
    }
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
