package io.callosum.lower.redis.internal;

import io.callosum.lower.TransportConfig;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One stream entry as this lower reads it: what a remote put into a stream, checked before anything
 * trusts it. Python Callosum's entries are {@code hdr} and {@code msg} (the two frames of the
 * ZeroMQ lower) or a {@code meta} marker; a Java connecting peer adds {@code peer} (its id, which
 * names its reply stream) and {@code caps} (its capabilities); fan-out items add {@code topic}.
 * Decoding never throws: what is not well-formed is a {@link Malformed} with the reason; an entry
 * without fields is {@link Trimmed}, not malformed.
 */
public sealed interface Entry {
  String HDR = "hdr";
  String MSG = "msg";
  String META = "meta";
  String PEER = "peer";
  String CAPS = "caps";
  String TOPIC = "topic";

  /** Python Callosum's marker that makes an RPC stream exist. */
  String CREATE_STREAM = "create-stream";

  /** Python Callosum's marker that makes a dispatch stream exist. */
  String CREATE_OR_JOIN = "create-or-join-to-stream";

  /** A connecting Java peer announces itself ({@code peer}, {@code caps}). */
  String HELLO = "hello";

  /** The bound Java peer's answer to a hello ({@code caps}). */
  String WELCOME = "welcome";

  /** A connecting Java peer is alive ({@code peer}). */
  String PING = "ping";

  /** An orderly close ({@code peer} when the connecting side sends it). */
  String BYE = "bye";

  /** Peer ids: they become part of a stream key, so only these characters. */
  Pattern PEER_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** The most bytes of announced capabilities (as {@code Capabilities.decode} reads). */
  int MAX_CAPS = 4096;

  /** A message: header and body, and the sender's id and capabilities if it is a Java peer. */
  record Data(byte[] hdr, byte[] msg, String peer, byte[] caps) implements Entry {
    public long size() {
      return (long) hdr.length + msg.length;
    }
  }

  /** A marker entry: {@code kind} is the {@code meta} field, {@code peer}/{@code caps} optional. */
  record Meta(String kind, String peer, byte[] caps) implements Entry {}

  /** A broadcast or pipeline item. */
  record Item(byte[] topic, byte[] hdr, byte[] msg) implements Entry {
    public long size() {
      return (long) topic.length + hdr.length + msg.length;
    }
  }

  /** Not one of the above; dropped with {@code reason} logged. */
  record Malformed(String reason) implements Entry {}

  /**
   * An entry without fields: one of a group's pending entries (delivered, never acknowledged) that
   * the stream was trimmed past, or that was deleted, before it was read again or claimed ({@code
   * XADD} makes no entry without fields). Nobody sent anything bad; what it held is lost. {@link
   * StreamReader} keeps these from its sink, acknowledges them and logs the loss ({@link
   * TrimmedEntries}).
   */
  record Trimmed() implements Entry {}

  /** Whether an entry with these fields is {@link Trimmed}. */
  static boolean trimmed(Map<String, byte[]> fields) {
    return fields == null || fields.isEmpty();
  }

  /**
   * The largest message this lower hands to the core: twice the peer's limit and 64 KiB more. The
   * core answers a message above the limit with an error naming it; only larger ones are dropped
   * here, unanswered.
   */
  static long maxMessage(TransportConfig config) {
    return 2L * config.maxMessageSize() + (64 << 10);
  }

  /** A marker or field value of ours as bytes. */
  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** A peer id as the {@code peer} field carries it. */
  static byte[] peerBytes(String peer) {
    return ascii(peer);
  }

  /** Reads an RPC entry; one whose header and body exceed {@code maxSize} bytes is malformed. */
  static Entry rpc(Map<String, byte[]> fields, long maxSize) {
    if (trimmed(fields)) {
      return new Trimmed();
    }
    byte[] meta = fields.get(META);
    byte[] peerBytes = fields.get(PEER);
    byte[] caps = fields.get(CAPS);
    String peer = null;
    if (peerBytes != null) {
      peer = new String(peerBytes, StandardCharsets.UTF_8);
      if (!PEER_ID.matcher(peer).matches()) {
        return new Malformed("a peer id that is not 1 to 64 of A-Z a-z 0-9 _ -");
      }
    }
    if (caps != null && caps.length > MAX_CAPS) {
      return new Malformed("capabilities of " + caps.length + " bytes");
    }
    if (meta != null) {
      if (meta.length > 64) {
        return new Malformed("a meta marker of " + meta.length + " bytes");
      }
      return new Meta(new String(meta, StandardCharsets.UTF_8), peer, caps);
    }
    byte[] hdr = fields.get(HDR);
    byte[] msg = fields.get(MSG);
    if (hdr == null || msg == null) {
      return new Malformed("an entry without " + (hdr == null ? HDR : MSG) + " or " + META);
    }
    if ((peer == null) != (caps == null)) {
      return new Malformed(
          "an entry with "
              + (peer == null ? CAPS + " but no " + PEER : PEER)
              + (peer == null ? "" : " but no " + CAPS));
    }
    long size = (long) hdr.length + msg.length;
    if (size > maxSize) {
      return new Malformed("a message of " + size + " bytes (the limit is " + maxSize + ")");
    }
    return new Data(hdr, msg, peer, caps);
  }

  /** Reads a fan-out entry; an item larger than {@code maxSize} bytes is malformed. */
  static Entry item(Map<String, byte[]> fields, long maxSize) {
    if (trimmed(fields)) {
      return new Trimmed();
    }
    byte[] meta = fields.get(META);
    if (meta != null) {
      return meta.length > 64
          ? new Malformed("a meta marker of " + meta.length + " bytes")
          : new Meta(new String(meta, StandardCharsets.UTF_8), null, null);
    }
    byte[] hdr = fields.get(HDR);
    byte[] msg = fields.get(MSG);
    if (hdr == null || msg == null) {
      return new Malformed("an item without " + (hdr == null ? HDR : MSG));
    }
    byte[] topic = fields.getOrDefault(TOPIC, new byte[0]);
    long size = (long) topic.length + hdr.length + msg.length;
    if (size > maxSize) {
      return new Malformed("an item of " + size + " bytes (the limit is " + maxSize + ")");
    }
    return new Item(topic, hdr, msg);
  }
}
