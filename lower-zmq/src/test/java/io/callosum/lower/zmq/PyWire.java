package io.callosum.lower.zmq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * Python Callosum's ZeroMQ wire format for tests, written independently of the main code: the byte
 * dumps of /work/shared/WIRE-callosum-py.md section 11, a Python-style encoder (key order type,
 * meth, okey, seq, zip; meta, body), and a strict check of what a Python Callosum peer survives
 * (sections 2, 4, 5 and 10 of that document).
 */
final class PyWire {
  private PyWire() {}

  static final byte[] UPPER = ascii("UPPER");
  static final byte[] PING = ascii("PING");
  static final byte[] PONG = ascii("PONG");
  static final byte[] EMPTY = new byte[0];

  // ------------------------------------------------------------ section 11, byte for byte

  /** Request header {type:1, meth:"echo", okey:b"", seq:0, zip:false} (34 bytes). */
  static final byte[] REQUEST_HEADER =
      hex(
          """
          85 a4 74 79 70 65 01 a4 6d 65 74 68 a4 65 63 68
          6f a4 6f 6b 65 79 c4 00 a3 73 65 71 00 a3 7a 69
          70 c2\
          """);

  /**
   * Request body {meta: bin(""), body: bin(msgpack({"a":1,"b":"two","c":b"three"}))} (34 bytes).
   */
  static final byte[] REQUEST_BODY =
      hex(
          """
          82 a4 6d 65 74 61 c4 00 a4 62 6f 64 79 c4 13 83
          a1 61 01 a1 62 a3 74 77 6f a1 63 c4 05 74 68 72
          65 65\
          """);

  /** Reply header {type:2, meth:"echo", okey:b"", seq:0, zip:false} (34 bytes). */
  static final byte[] REPLY_HEADER =
      hex(
          """
          85 a4 74 79 70 65 02 a4 6d 65 74 68 a4 65 63 68
          6f a4 6f 6b 65 79 c4 00 a3 73 65 71 00 a3 7a 69
          70 c2\
          """);

  /** Reply body {meta: bin(90), body: bin(msgpack(result))} (35 bytes). */
  static final byte[] REPLY_BODY =
      hex(
          """
          82 a4 6d 65 74 61 c4 01 90 a4 62 6f 64 79 c4 13
          83 a1 61 01 a1 62 a3 74 77 6f a1 63 c4 05 74 68
          72 65 65\
          """);

  /** CANCEL header {type:5, meth:"sleep", okey:"cancel-test", seq:1, zip:false} (45 bytes). */
  static final byte[] CANCEL_HEADER =
      hex(
          """
          85 a4 74 79 70 65 05 a4 6d 65 74 68 a5 73 6c 65
          65 70 a4 6f 6b 65 79 ab 63 61 6e 63 65 6c 2d 74
          65 73 74 a3 73 65 71 01 a3 7a 69 70 c2\
          """);

  /** CANCEL and CANCELLED body {meta: bin(90), body: nil} (15 bytes). */
  static final byte[] CANCEL_BODY = hex("82 a4 6d 65 74 61 c4 01 90 a4 62 6f 64 79 c0");

  /**
   * Compressed (raw snappy) body of a 151-byte map {meta: bin(""), body: bin(msgpack({"blob": "ab"
   * * 64}))}.
   */
  static final byte[] COMPRESSED_BODY =
      hex(
          """
          97 01 60 82 a4 6d 65 74 61 c4 00 a4 62 6f 64 79
          c4 88 81 a4 62 6c 6f 62 d9 80 61 62 fe 02 00 f6
          02 00\
          """);

  /** The msgpack encoding of the default order key, an empty bin. */
  static final byte[] OKEY_NONE = hex("c4 00");

  /** The keys of a Python Callosum header, in its order. */
  static final List<String> HEADER_KEYS = List.of("type", "meth", "okey", "seq", "zip");

  static byte[] hex(String dump) {
    return HexFormat.of().parseHex(dump.replaceAll("\\s+", ""));
  }

  static String hex(byte[] bytes) {
    return HexFormat.ofDelimiter(" ").formatHex(bytes);
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] msgpackStr(String s) {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packString(s);
      return p.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------ Python-style encoding

  /** A header as Python Callosum packs it; {@code okey} is the key's msgpack encoding. */
  static byte[] header(int type, String meth, byte[] okey, long seq, boolean zip) {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packMapHeader(5);
      p.packString("type").packInt(type);
      p.packString("meth").packString(meth);
      p.packString("okey");
      p.writePayload(okey);
      p.packString("seq").packLong(seq);
      p.packString("zip").packBoolean(zip);
      return p.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A body frame as Python Callosum packs it: {meta: bin, body: bin or nil}. */
  static byte[] body(byte[] meta, byte[] body) {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packMapHeader(2);
      p.packString("meta").packBinaryHeader(meta.length);
      p.writePayload(meta);
      p.packString("body");
      if (body == null) {
        p.packNil();
      } else {
        p.packBinaryHeader(body.length);
        p.writePayload(body);
      }
      return p.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A FUNCTION body frame carrying {@code appBody} (already msgpack). */
  static byte[] callBody(byte[] appBody) {
    return body(EMPTY, appBody);
  }

  // ------------------------------------------------------------ strict decoding

  /** A header decoded strictly: the keys in the order sent, and the five values. */
  record PyHeader(List<String> keys, int type, String meth, byte[] okey, long seq, boolean zip) {}

  /** A body frame decoded: meta (bin payload) and body (bin payload, or null for nil). */
  record PyBody(byte[] meta, byte[] body) {}

  /**
   * Decodes a header as Python Callosum would accept it, failing the test on anything it would not
   * survive or that is not the five base keys exactly: a map of five str keys, type an int 1..6,
   * meth a str, okey one msgpack value, seq an unsigned int below 2^32, zip a bool.
   */
  static PyHeader decodeHeader(byte[] frame) {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(frame)) {
      assertEquals(
          ValueType.MAP, u.getNextFormat().getValueType(), "header is not a map: " + hex(frame));
      int n = u.unpackMapHeader();
      List<String> keys = new ArrayList<>();
      Integer type = null;
      String meth = null;
      byte[] okey = null;
      Long seq = null;
      Boolean zip = null;
      for (int i = 0; i < n; i++) {
        assertEquals(
            ValueType.STRING,
            u.getNextFormat().getValueType(),
            "header key is not a str: " + hex(frame));
        String key = u.unpackString();
        keys.add(key);
        switch (key) {
          case "type" -> type = u.unpackInt();
          case "meth" -> meth = u.unpackString();
          case "okey" -> {
            int start = (int) u.getTotalReadBytes();
            u.skipValue();
            okey = Arrays.copyOfRange(frame, start, (int) u.getTotalReadBytes());
          }
          case "seq" -> {
            MessageFormat f = u.getNextFormat();
            assertEquals(ValueType.INTEGER, f.getValueType(), "seq is not an int");
            seq = u.unpackLong();
          }
          case "zip" -> zip = u.unpackBoolean();
          default ->
              throw new AssertionError(
                  "header key '" + key + "' is not one of Python Callosum's five: " + hex(frame));
        }
      }
      if (u.hasNext()) {
        throw new AssertionError("trailing bytes after the header map: " + hex(frame));
      }
      assertEquals(Set.copyOf(HEADER_KEYS), Set.copyOf(keys), "header keys");
      assertEquals(5, keys.size(), "header keys " + keys);
      if (type < 1 || type > 6) {
        throw new AssertionError("message type " + type + " is not 1..6: " + hex(frame));
      }
      if (seq < 0 || seq > 0xffffffffL) {
        throw new AssertionError("seq out of range: " + seq);
      }
      return new PyHeader(List.copyOf(keys), type, meth, okey, seq, zip);
    } catch (IOException | RuntimeException e) {
      throw new AssertionError("header Python Callosum cannot decode: " + hex(frame) + ": " + e, e);
    }
  }

  /** Decodes an (uncompressed) body frame: a map with exactly meta (bin) and body (bin or nil). */
  static PyBody decodeBody(byte[] frame) {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(frame)) {
      int n = u.unpackMapHeader();
      byte[] meta = null;
      byte[] body = null;
      boolean sawBody = false;
      for (int i = 0; i < n; i++) {
        String key = u.unpackString();
        if (key.equals("meta")) {
          assertEquals(
              ValueType.BINARY,
              u.getNextFormat().getValueType(),
              "meta must be a bin: " + hex(frame));
          meta = u.readPayload(u.unpackBinaryHeader());
        } else if (key.equals("body")) {
          sawBody = true;
          if (u.getNextFormat().getValueType() == ValueType.NIL) {
            u.unpackNil();
          } else {
            assertEquals(
                ValueType.BINARY,
                u.getNextFormat().getValueType(),
                "body must be a bin or nil: " + hex(frame));
            body = u.readPayload(u.unpackBinaryHeader());
          }
        } else {
          throw new AssertionError("unexpected body key " + key + ": " + hex(frame));
        }
      }
      if (meta == null || !sawBody || u.hasNext()) {
        throw new AssertionError(
            "body frame lacks meta or body, or has trailing bytes: " + hex(frame));
      }
      return new PyBody(meta, body);
    } catch (IOException | RuntimeException e) {
      throw new AssertionError(
          "body frame Python Callosum cannot decode: " + hex(frame) + ": " + e, e);
    }
  }

  /** ErrorMetadata: exactly an array of three str, else the test fails. */
  static String[] errorMeta(byte[] meta) {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(meta)) {
      assertEquals(3, u.unpackArrayHeader(), "error metadata must have 3 elements");
      String[] out = new String[3];
      for (int i = 0; i < 3; i++) {
        assertEquals(
            ValueType.STRING,
            u.getNextFormat().getValueType(),
            "error metadata element " + i + " is not a str");
        out[i] = u.unpackString();
      }
      if (u.hasNext()) {
        throw new AssertionError("trailing bytes after the error metadata");
      }
      return out;
    } catch (IOException | RuntimeException e) {
      throw new AssertionError("bad error metadata " + hex(meta) + ": " + e, e);
    }
  }

  /**
   * Checks one UPPER message (header and body frames) the way a Python Callosum peer would receive
   * it: only the five header keys, a type 1..6, and the body shape its decoder requires for that
   * type (section 5 and 10). Returns the decoded header.
   */
  static PyHeader checkUpper(byte[] header, byte[] bodyFrame) {
    PyHeader h = decodeHeader(header);
    if (h.zip()) {
      throw new AssertionError("a Java peer sent zip=true unasked: " + hex(header));
    }
    PyBody b = decodeBody(bodyFrame);
    switch (h.type()) {
      case 1 -> {
        assertArrayEquals(EMPTY, b.meta(), "FUNCTION meta must be empty");
        if (b.body() == null) {
          throw new AssertionError("FUNCTION with a nil body kills Python's receive loop");
        }
      }
      case 2 -> {
        assertArrayEquals(new byte[] {(byte) 0x90}, b.meta(), "RESULT meta");
        if (b.body() == null) {
          throw new AssertionError("RESULT with a nil body kills Python's receive loop");
        }
      }
      case 3, 4 -> {
        errorMeta(b.meta());
        if (b.body() != null) {
          throw new AssertionError("FAILURE/ERROR body must be nil");
        }
      }
      case 5, 6 -> {
        assertArrayEquals(new byte[] {(byte) 0x90}, b.meta(), "CANCEL/CANCELLED meta");
        if (b.body() != null) {
          throw new AssertionError("CANCEL/CANCELLED body must be nil");
        }
      }
      default -> throw new AssertionError("type " + h.type());
    }
    return h;
  }

  static String describe(List<byte[]> frames) {
    StringBuilder sb = new StringBuilder("[");
    for (byte[] f : frames) {
      if (sb.length() > 1) {
        sb.append(" | ");
      }
      sb.append(hex(f));
    }
    return sb.append("]").toString();
  }
}
