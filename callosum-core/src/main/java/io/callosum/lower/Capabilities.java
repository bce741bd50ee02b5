package io.callosum.lower;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * What a peer announces at connect: its protocol version, a random instance id and the extensions
 * it understands. Lowers carry the {@link #encode() encoded} form in their handshake (the
 * in-process lower hands it over directly; the ZeroMQ lower puts it into PING/PONG). A remote that
 * announced nothing is {@link #LEGACY}: it is treated as Python Callosum and is sent only what
 * Python Callosum survives.
 *
 * @param version protocol version, 0 for legacy
 * @param instanceId random id of the announcing peer instance (0 for legacy); identifies its calls
 *     in call chains
 * @param features extension names, e.g. {@code "chain"}
 */
public record Capabilities(int version, long instanceId, Set<String> features) {
  /** The current protocol version. */
  public static final int VERSION = 1;

  /** Call chains in the {@code chn} header extension (see {@code io.callosum.Ordering}). */
  public static final String CHAIN = "chain";

  /** Streams inside calls, with credit-based flow control (see {@code io.callosum.StreamCall}). */
  public static final String STREAM = "stream";

  /** Big messages sent in chunks, so that small ones pass between them. */
  public static final String CHUNK = "chunk";

  /**
   * This peer serves calls in order per order key ({@code KEY_RETURN_ORDERED} or {@code
   * KEY_SERIALIZED}): it is sent big calls whole, since a later call on the same key would
   * otherwise arrive before a chunked one.
   */
  public static final String ORDERED = "ordered";

  /**
   * Metadata of calls and replies in the {@code md} header extension (see {@code
   * io.callosum.Metadata}).
   */
  public static final String METADATA = "metadata";

  /**
   * A call's remaining time in the {@code dl} header extension (see {@code Invocation.timeout}).
   */
  public static final String DEADLINE = "deadline";

  /**
   * This peer says when it shuts down (a SHUTDOWN message), and its remotes then stop sending it
   * new calls (see {@code io.callosum.Peer#shutdown()}).
   */
  public static final String SHUTDOWN = "shutdown";

  /** A remote that announced nothing: Python Callosum. */
  public static final Capabilities LEGACY = new Capabilities(0, 0, Set.of());

  private static final int MAX_FEATURES = 64;
  private static final int MAX_ENCODED = 4096;

  public Capabilities {
    Set<String> known = new LinkedHashSet<>();
    for (String f : features) {
      known.add(canonical(f));
    }
    features = Collections.unmodifiableSet(known);
  }

  /**
   * The constant of a feature this peer knows (so that {@link #has}, asked several times per
   * message with the constants, finds it by identity rather than comparing characters), or {@code
   * feature} itself.
   */
  private static String canonical(String feature) {
    return switch (feature) {
      case CHAIN -> CHAIN;
      case STREAM -> STREAM;
      case CHUNK -> CHUNK;
      case ORDERED -> ORDERED;
      case METADATA -> METADATA;
      case DEADLINE -> DEADLINE;
      case SHUTDOWN -> SHUTDOWN;
      default -> feature;
    };
  }

  /** Whether the remote announced {@code feature}. */
  public boolean has(String feature) {
    return features.contains(feature);
  }

  /** Whether this is a remote that announced nothing. */
  public boolean isLegacy() {
    return version == 0;
  }

  /**
   * The announcement as bytes: a msgpack map {@code {callosum: version, id: u64, features: [..]}}.
   */
  public byte[] encode() {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packMapHeader(3);
      p.packString("callosum").packInt(version);
      p.packString("id").packLong(instanceId);
      p.packString("features").packArrayHeader(features.size());
      for (String f : features) {
        p.packString(f);
      }
      return p.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads an announcement sent by a remote. Empty or malformed bytes (including anything that is
   * not such a map, e.g. an echo of other data) give {@link #LEGACY}; never throws.
   */
  public static Capabilities decode(byte[] bytes) {
    if (bytes == null || bytes.length == 0 || bytes.length > MAX_ENCODED) {
      return LEGACY;
    }
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
      if (u.getNextFormat().getValueType() != ValueType.MAP) {
        return LEGACY;
      }
      int n = u.unpackMapHeader();
      int version = 0;
      long id = 0;
      List<String> features = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String key = u.unpackString();
        switch (key) {
          case "callosum" -> version = u.unpackInt();
          case "id" -> id = u.unpackLong();
          case "features" -> {
            int count = u.unpackArrayHeader();
            if (count > MAX_FEATURES) {
              return LEGACY;
            }
            for (int j = 0; j < count; j++) {
              features.add(u.unpackString());
            }
          }
          default -> u.skipValue();
        }
      }
      if (version <= 0 || u.hasNext()) {
        return LEGACY;
      }
      return new Capabilities(version, id, new LinkedHashSet<>(features));
    } catch (IOException | RuntimeException e) {
      return LEGACY;
    }
  }
}
